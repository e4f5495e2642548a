"""Collapsing requests (Buildbot's default collapseRequests=True): requests queued behind a
running build collapse into the newest, which alone is built; the others end SKIPPED."""

from test_force_build import force_request
from test_stop import wait_running_shell


def test_queued_requests_collapse(master, worker):
    if worker != "oxbot-worker":
        return
    first = force_request(master, "slow")
    running = wait_running_shell(master, first)
    second = force_request(master, "slow")
    third = force_request(master, "slow")

    def skipped():
        request = master.get(f"buildrequests/{second}")["buildrequests"][0]
        return request if request["complete"] else None

    collapsed = master.wait_for(skipped, "the older queued request to collapse")
    assert collapsed["results"] == 3
    assert master.get(f"buildrequests/{second}/builds")["builds"] == []
    master.post(f"builds/{running['buildid']}", "stop", {"reason": "make room"})
    built = master.wait_for(
        lambda: (master.get(f"buildrequests/{third}/builds")["builds"] or [None])[0],
        "the newest request to be built",
    )
    master.post(f"builds/{built['buildid']}", "stop", {"reason": "done"})
