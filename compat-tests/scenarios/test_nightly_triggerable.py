"""`NightlyTriggerable`: a `Trigger` step succeeds at once and the scheduler remembers the
trigger; at its next scheduled minute it builds the triggering build's source stamps with the
properties the trigger passed (here every minute, so the test waits up to a minute)."""

from conftest import _start_oxbot_worker, master_fixture, run
from test_force_build import force

NIGHTLY_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}

parent = util.BuildFactory()
parent.addStep(steps.Trigger(schedulerNames=["later"], waitForFinish=True,
                             set_properties={"flavour": "nightly"}))
child = util.BuildFactory()
child.addStep(steps.ShellCommand(command=util.Interpolate("echo %(prop:flavour)s")))
c['schedulers'] = [
    schedulers.ForceScheduler(name="force", builderNames=["parent"]),
    schedulers.NightlyTriggerable(name="later", builderNames=["child"], minute="*",
                                  properties={"from_scheduler": "yes"}),
]
c['builders'] = [
    util.BuilderConfig(name="parent", workernames=["example-worker"], factory=parent),
    util.BuilderConfig(name="child", workernames=["example-worker"], factory=child),
]
"""

master = master_fixture(NIGHTLY_CFG)


def test_trigger_is_built_at_the_next_scheduled_time(master, tmp_path, request):
    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))
    parent = force(master, "parent")
    trigger = master.get(f"builds/{parent['buildid']}/steps")["steps"][-1]
    assert (trigger["results"], trigger["state_string"]) == (0, "triggered later, 1 success")

    def child_build():
        builds = [b for b in master.get("builds")["builds"]
                  if b["buildid"] != parent["buildid"] and b["complete"]]
        return builds[0] if builds else None

    child = master.wait_for(child_build, "the nightly build of the trigger", timeout=75)
    assert child["results"] == 0
    props = master.get(f"builds/{child['buildid']}/properties")["properties"][0]
    assert props["flavour"] == ["nightly", "Trigger"]
    assert props["from_scheduler"] == ["yes", "Scheduler"]
    request_ = master.get(f"buildrequests/{child['buildrequestid']}")["buildrequests"][0]
    buildset = master.get(f"buildsets/{request_['buildsetid']}")["buildsets"][0]
    assert buildset["parent_buildid"] == parent["buildid"]
    assert buildset["reason"] == "The NightlyTriggerable scheduler named 'later' triggered this build"
