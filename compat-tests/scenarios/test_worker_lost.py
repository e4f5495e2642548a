"""A worker killed mid-build: the build ends RETRY, its request goes back to the queue, the
worker shows disconnected, and the request is built again once a worker reconnects."""

import os
import signal

from conftest import BUILDBOT_WORKER, OXBOT_WORKER, run
from test_stop import wait_running_shell
from test_force_build import force_request


def test_killed_worker_means_retry(master, worker, tmp_path):
    brid = force_request(master, "slow")
    first = wait_running_shell(master, brid)
    pid = int((tmp_path / "worker" / "twistd.pid").read_text())
    os.kill(pid, signal.SIGKILL)

    def finished_first():
        build = master.get(f"builds/{first['buildid']}")["builds"][0]
        return build if build["complete"] else None

    done = master.wait_for(finished_first, "the build to notice the lost worker")
    assert done["results"] == 5, done
    master.wait_for(
        lambda: not any(w["connected_to"] for w in master.get("workers")["workers"]),
        "the worker to show disconnected",
    )
    request = master.get(f"buildrequests/{brid}")["buildrequests"][0]
    assert not request["complete"]

    # The worker comes back (its pid file is stale after SIGKILL; start cleans up).
    (tmp_path / "worker" / "twistd.pid").unlink(missing_ok=True)
    assert run([worker_binary(worker), "start", tmp_path / "worker"]).returncode == 0
    second = master.wait_for(
        lambda: next((b for b in master.get(f"buildrequests/{brid}/builds")["builds"] if b["buildid"] != first["buildid"]), None),
        "the request to be built again",
    )
    assert second["buildrequestid"] == brid
    master.post(f"builds/{second['buildid']}", "stop", {"reason": "done"})


def worker_binary(kind):
    return OXBOT_WORKER if kind == "oxbot-worker" else BUILDBOT_WORKER
