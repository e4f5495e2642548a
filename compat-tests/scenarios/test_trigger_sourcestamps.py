"""`Trigger(sourceStamps=[...])`: the triggered builds get the given source stamps, one per
codebase, instead of the triggering build's."""

from conftest import _start_oxbot_worker, master_fixture, run
from test_force_build import force

TRIGGER_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}

parent = util.BuildFactory()
parent.addStep(steps.Trigger(schedulerNames=["child-trig"], waitForFinish=True, sourceStamps=[
    {"codebase": "", "branch": "release", "revision": "abc123", "repository": "https://r"}]))
child = util.BuildFactory()
child.addStep(steps.ShellCommand(command=util.Interpolate("echo %(prop:branch)s")))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["parent"]),
                   schedulers.Triggerable(name="child-trig", builderNames=["child"])]
c['builders'] = [
    util.BuilderConfig(name="parent", workernames=["example-worker"], factory=parent),
    util.BuilderConfig(name="child", workernames=["example-worker"], factory=child),
]
"""

master = master_fixture(TRIGGER_CFG)


def test_trigger_with_given_sourcestamps(master, tmp_path, request):
    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))
    build = force(master, "parent")
    assert build["results"] == 0, master.log()
    child = next(b for b in master.get("builds")["builds"] if b["buildid"] != build["buildid"])
    request_ = master.get(f"buildrequests/{child['buildrequestid']}")["buildrequests"][0]
    [ss] = master.get(f"buildsets/{request_['buildsetid']}")["buildsets"][0]["sourcestamps"]
    assert (ss["branch"], ss["revision"], ss["repository"], ss["codebase"]) == (
        "release", "abc123", "https://r", "")
    props = master.get(f"builds/{child['buildid']}/properties")["properties"][0]
    assert props["branch"] == ["release", "Build"]
