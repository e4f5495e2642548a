"""Built-in steps on real workers: results and state strings in Buildbot's words, and the
properties they set."""

from test_force_build import force


def test_property_and_directory_steps(master, worker):
    build = force(master, "props")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("worker_preparation", 0, "worker example-worker ready"),
        ("setproperty", 0, "property 'version' set"),
        ("SetProperty", 0, "Set"),
        ("SetProperties", 0, "Properties Set"),
        ("MakeDirectory", 0, "Created"),
        ("shell", 0, "'echo data ...'"),
        ("FileExists", 0, "File found."),
        ("CopyDirectory", 0, "Copied build/out to build/copy"),
        ("RemoveDirectory", 0, "Deleted"),
        ("FileExists_1", 2, "File not found. (failure)"),
    ], master.log()
    assert build["results"] == 0
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["version"] == ["1.2.3", "SetPropertyFromCommand Step"]
    assert props["flavour"] == ["v1.2.3", "SetProperty"]
    assert props["answer"] == [42, "SetProperties"]


def test_file_transfers(master, worker):
    build = force(master, "transfer")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("worker_preparation", 0, "worker example-worker ready"),
        ("string_download", 0, "downloading to greeting.txt"),
        ("shell", 0, "'cat greeting.txt; ...'"),
        ("upload", 0, "uploading up.txt"),
        ("download", 0, "downloading to down.txt"),
        ("shell_1", 0, "'cat down.txt'"),
    ], master.log()
    uploaded = master.basedir / "uploads" / "up.txt"
    assert uploaded.read_text() == "uploaded\n"
    assert uploaded.stat().st_mode & 0o777 == 0o640

    def stdio(step):
        log = master.get(f"steps/{step['stepid']}/logs")["logs"][0]
        return master.get_raw(f"logs/{log['logid']}/raw")

    assert "hello download" in stdio(steps[2])
    assert "uploaded" in stdio(steps[5])


def test_python_runs_at_build_time(master, worker):
    build = force(master, "python")
    steps = {s["name"]: s for s in master.get(f"builds/{build['buildid']}/steps")["steps"]}

    def stdio(step):
        log = master.get(f"steps/{step['stepid']}/logs")["logs"][0]
        return master.get_raw(f"logs/{log['logid']}/raw")

    assert steps["rendered"]["results"] == 0 and "hello from python" in stdio(steps["rendered"])
    assert steps["transformed"]["results"] == 0 and "EXAMPLE-WORKER" in stdio(steps["transformed"])
    # Buildbot describes a skipped step as it would when done.
    assert (steps["skipped"]["results"], steps["skipped"]["state_string"]) == (3, "'false' (skipped)")
    assert steps["hidden"]["hidden"] is True and steps["rendered"]["hidden"] is False
    assert build["results"] == 0


def test_trigger_waits_for_the_triggered_build(master, worker):
    build = force(master, "parent")
    trigger = master.get(f"builds/{build['buildid']}/steps")["steps"][-1]
    assert (trigger["name"], trigger["results"], trigger["state_string"]) == (
        "trigger", 0, "triggered child-trig, 1 success"), master.log()
    child = next(b for b in master.get("builds")["builds"] if b["buildid"] != build["buildid"])
    assert child["results"] == 0
    props = master.get(f"builds/{child['buildid']}/properties")["properties"][0]
    assert props["greeting"] == ["hi from parent", "Trigger"]
    assert props["scheduler"] == ["child-trig", "Scheduler"]
    request = master.get(f"buildrequests/{child['buildrequestid']}")["buildrequests"][0]
    buildset = master.get(f"buildsets/{request['buildsetid']}")["buildsets"][0]
    assert buildset["parent_buildid"] == build["buildid"]
    assert buildset["parent_relationship"] == "Triggered from"
    assert buildset["reason"] == "The Triggerable scheduler named 'child-trig' triggered this build"
    on_master = master.get(f"builds/{child['buildid']}/steps")["steps"][-1]
    assert (on_master["name"], on_master["results"], on_master["state_string"]) == ("MasterShellCommand", 0, "Ran")
    log = master.get(f"steps/{on_master['stepid']}/logs")["logs"][0]
    raw = master.get_raw(f"logs/{log['logid']}/raw")
    assert "** RUNNING ON BUILDMASTER **" in raw and "master says hi from parent" in raw
