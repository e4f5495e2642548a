"""Stopping builds: through the REST API, and by stopping the master, which records the
running build as Buildbot 4.3 does ("Master Shutdown", CANCELLED)."""

from test_force_build import force_request


def wait_running_shell(master, brid):
    def running():
        builds = master.get(f"buildrequests/{brid}/builds")["builds"]
        if not builds:
            return None
        steps = master.get(f"builds/{builds[0]['buildid']}/steps")["steps"]
        shell = [s for s in steps if s["name"] == "shell" and s["started_at"] and not s["complete"]]
        if not shell:
            return None
        logs = master.get(f"steps/{shell[0]['stepid']}/logs")["logs"]
        if not logs or "started" not in master.get_raw(f"logs/{logs[0]['logid']}/raw"):
            return None
        return builds[0]

    return master.wait_for(running, "the slow step to run")


def test_stop_through_rest(master, worker):
    brid = force_request(master, "slow")
    build = wait_running_shell(master, brid)
    reply = master.post(f"builds/{build['buildid']}", "stop", {"reason": "no longer needed"})
    assert reply.get("result", "missing") is None, reply
    done = master.wait_for(
        lambda: (lambda b: b if b["complete"] else None)(master.get(f"builds/{build['buildid']}")["builds"][0]),
        "the stopped build to finish",
    )
    assert done["results"] == 6
    assert done["state_string"] == "cancelled (no longer needed) 'echo started; ...' (cancelled)"
    step = master.get(f"builds/{build['buildid']}/steps")["steps"][-1]
    assert (step["results"], step["state_string"]) == (6, "'echo started; ...' (cancelled)")


def test_master_stop_records_running_build(master, worker):
    brid = force_request(master, "slow")
    build = wait_running_shell(master, brid)
    master.restart()
    done = master.get(f"builds/{build['buildid']}")["builds"][0]
    assert done["complete"] and done["results"] == 6
    assert done["state_string"] == "cancelled (Master Shutdown) 'echo started; ...' (cancelled)"
    request = master.get(f"buildrequests/{brid}")["buildrequests"][0]
    assert request["complete"] and request["results"] == 6
