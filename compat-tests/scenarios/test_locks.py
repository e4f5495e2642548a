"""Locks (util.MasterLock, util.WorkerLock) at build and step level: builds under an exclusive
lock never overlap, a counting lock lets maxCount holders run at once, and a stopped build
releases what it held. Each locked command appends start/end lines to a trace file in the
worker's base directory, which the tests read back."""

import time

import pytest

from conftest import dedent, master_fixture
from test_force_build import force_request

CONFIG = dedent(
    """\
    from buildbot.plugins import *
    c = BuildmasterConfig = {}
    c['workers'] = [worker.Worker("example-worker", "pass")]
    c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
    c['www'] = dict(port='tcp:0:interface=127.0.0.1')
    c['db'] = {'db_url': "sqlite:///state.sqlite"}
    c['collapseRequests'] = False

    deploy = util.MasterLock("deploy")
    cpus = util.WorkerLock("cpus", maxCount=2)

    def traced(tag, seconds):
        return ["sh", "-c", f"echo start {tag} >> ../../trace.txt; sleep {seconds}; "
                            f"echo end {tag} >> ../../trace.txt; echo started"]

    def factory(tag, seconds, **step_args):
        f = util.BuildFactory()
        f.addStep(steps.ShellCommand(command=traced(tag, seconds), **step_args))
        return f

    names = ["ex1", "ex2", "long", "c1", "c2", "c3"]
    c['builders'] = [
        util.BuilderConfig(name="ex1", workernames=["example-worker"], factory=factory("ex1", 2),
                           locks=[deploy.access("exclusive")]),
        util.BuilderConfig(name="ex2", workernames=["example-worker"], factory=factory("ex2", 2),
                           locks=[deploy.access("exclusive")]),
        util.BuilderConfig(name="long", workernames=["example-worker"], factory=factory("long", 60),
                           locks=[deploy.access("exclusive")]),
    ] + [
        util.BuilderConfig(name=n, workernames=["example-worker"],
                           factory=factory(n, 3, locks=[cpus.access("counting")]))
        for n in ["c1", "c2", "c3"]
    ]
    c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=names)]
    """
)

master = master_fixture(CONFIG)


def build_of(master, brid):
    return master.wait_for(
        lambda: (master.get(f"buildrequests/{brid}/builds")["builds"] or [None])[0],
        f"a build of request {brid}",
    )


def finished(master, build):
    def done():
        b = master.get(f"builds/{build['buildid']}")["builds"][0]
        return b if b["complete"] else None

    return master.wait_for(done, "the build to finish", timeout=90)


def most_at_once(lines):
    running = most = 0
    for line in lines:
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    return most


def trace(tmp_path):
    return (tmp_path / "worker" / "trace.txt").read_text().split("\n")[:-1]


@pytest.mark.parametrize("worker", ["oxbot-worker"], indirect=True)
def test_builds_under_an_exclusive_lock_never_overlap(master, worker, tmp_path):
    brids = [force_request(master, name) for name in ("ex1", "ex2")]
    builds = [finished(master, build_of(master, brid)) for brid in brids]
    assert [b["results"] for b in builds] == [0, 0]
    lines = trace(tmp_path)
    assert len(lines) == 4 and most_at_once(lines) == 1, lines
    for build in builds:
        steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
        assert [s["name"] for s in steps] == ["worker_preparation", "locks_acquire", "shell"]
        assert steps[1]["state_string"] == "locks acquired" and steps[1]["results"] == 0
        assert steps[1]["locks_acquired_at"] is not None


@pytest.mark.parametrize("worker", ["oxbot-worker"], indirect=True)
def test_a_counting_worker_lock_admits_max_count_steps(master, worker, tmp_path):
    brids = [force_request(master, name) for name in ("c1", "c2", "c3")]
    builds = [finished(master, build_of(master, brid)) for brid in brids]
    assert [b["results"] for b in builds] == [0, 0, 0]
    lines = trace(tmp_path)
    assert len(lines) == 6 and most_at_once(lines) == 2, lines


@pytest.mark.parametrize("worker", ["oxbot-worker"], indirect=True)
def test_a_stopped_build_releases_its_lock(master, worker, tmp_path):
    long_build = build_of(master, force_request(master, "long"))
    master.wait_for(lambda: trace(tmp_path) if (tmp_path / "worker" / "trace.txt").exists() else None,
                    "the long build to hold the lock")
    # As in Buildbot, a build whose locks are taken is not started: its request waits.
    brid = force_request(master, "ex1")
    time.sleep(2)
    assert master.get(f"buildrequests/{brid}/builds")["builds"] == []
    master.post(f"builds/{long_build['buildid']}", "stop", {"reason": "make room"})
    assert finished(master, long_build)["results"] == 6
    assert finished(master, build_of(master, brid))["results"] == 0
