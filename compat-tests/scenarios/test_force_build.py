"""The walking skeleton, end to end: a forced build runs Git and ShellCommand on a real worker
(oxbot-worker and the real buildbot-worker 4.3), its output is stored as a log, and REST shows
it with Buildbot's envelope and fields."""


def force_request(master, builder_name):
    """Forces a build of one builder; returns its build request id."""
    builderid = next(
        b["builderid"] for b in master.get("builders")["builders"] if b["name"] == builder_name
    )
    reply = master.post("forceschedulers/force", "force", {"builderid": str(builderid), "reason": "test"})
    assert "result" in reply, reply
    bsid, brids = reply["result"]
    assert isinstance(bsid, int) and list(brids) == [str(builderid)]
    return brids[str(builderid)]


def force(master, builder_name):
    """Forces a build and waits for it to finish; returns the build."""
    brid = force_request(master, builder_name)

    def finished_build():
        builds = master.get(f"buildrequests/{brid}/builds")["builds"]
        return builds[0] if builds and builds[0]["complete"] else None

    return master.wait_for(finished_build, f"the build of {builder_name} to finish")


def test_passing_build(master, worker):
    build = force(master, "runtests")
    assert build["results"] == 0, master.log()
    assert build["state_string"] == "build successful"
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    assert [s["name"] for s in steps] == ["worker_preparation", "git", "shell"]
    assert [s["results"] for s in steps] == [0, 0, 0]
    assert steps[0]["state_string"] == "worker example-worker ready"
    assert steps[1]["state_string"] == "update"
    assert steps[2]["state_string"] == "'sh test.sh'"
    logs = master.get(f"steps/{steps[2]['stepid']}/logs")["logs"]
    assert [(log["name"], log["slug"], log["type"]) for log in logs] == [("stdio", "stdio", "s")]
    raw = master.get_raw(f"logs/{logs[0]['logid']}/raw")
    assert "hello from test.sh" in raw
    assert "PYTHONPATH=." in raw
    assert "program finished with exit code 0" in raw
    contents = master.get(f"logs/{logs[0]['logid']}/contents")["logchunks"]
    assert any("ohello from test.sh\n" in chunk["content"] for chunk in contents)
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["got_revision"][1] == "Git" and len(props["got_revision"][0]) == 40
    assert props["workername"] == ["example-worker", "Worker"]


def test_failing_build(master, worker):
    build = force(master, "failing")
    assert build["results"] == 2
    assert build["state_string"] == "failed 'echo about ...' (failure)"
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    assert steps[-1]["results"] == 2
    assert steps[-1]["state_string"] == "'echo about ...' (failure)"
    logs = master.get(f"steps/{steps[-1]['stepid']}/logs")["logs"]
    raw = master.get_raw(f"logs/{logs[0]['logid']}/raw")
    assert "about to fail" in raw and "program finished with exit code 3" in raw


def test_endpoints_answer_with_buildbot_envelope(master, worker):
    build = force(master, "runtests")
    step = master.get(f"builds/{build['buildid']}/steps")["steps"][-1]
    log = master.get(f"steps/{step['stepid']}/logs")["logs"][0]
    for path, key in [
        ("builders", "builders"),
        (f"builders/{build['builderid']}/builds", "builds"),
        ("builds", "builds"),
        (f"builds/{build['buildid']}", "builds"),
        (f"builds/{build['buildid']}/steps", "steps"),
        (f"steps/{step['stepid']}/logs", "logs"),
        (f"logs/{log['logid']}/contents", "logchunks"),
        ("workers", "workers"),
        ("forceschedulers", "forceschedulers"),
        ("buildrequests", "buildrequests"),
        ("masters", "masters"),
    ]:
        body = master.get(path)
        assert set(body) == {key, "meta"}, (path, body)
        assert body[key], path
    worker_row = master.get("workers")["workers"][0]
    assert worker_row["name"] == "example-worker"
    assert worker_row["connected_to"] and worker_row["configured_on"]
    master_row = master.get("masters")["masters"][0]
    assert master_row["active"] is True
