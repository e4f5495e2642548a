"""`Dependent`: a successful upstream buildset starts the downstream builders on the same
source stamps (reason "downstream"); a failed one starts nothing."""

import time

from conftest import _start_oxbot_worker, master_fixture, run
from test_force_build import force

DEPENDENT_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}

up = util.BuildFactory()
up.addStep(steps.ShellCommand(command=util.Interpolate("test -z '%(prop:fail)s'")))
down = util.BuildFactory()
down.addStep(steps.ShellCommand(command="echo downstream"))
force = schedulers.ForceScheduler(name="force", builderNames=["up"],
                                  properties=[util.StringParameter(name="fail", default="")])
c['schedulers'] = [force, schedulers.Dependent(name="after-up", upstream=force,
                                               builderNames=["down"])]
c['builders'] = [
    util.BuilderConfig(name="up", workernames=["example-worker"], factory=up),
    util.BuilderConfig(name="down", workernames=["example-worker"], factory=down),
]
"""

master = master_fixture(DEPENDENT_CFG)


def _downstream_builds(master):
    down = next(b["builderid"] for b in master.get("builders")["builders"] if b["name"] == "down")
    return master.get(f"builders/{down}/builds")["builds"]


def test_dependent_follows_successful_upstream(master, tmp_path, request):
    # The scheduler is the master's business: one worker kind is enough.
    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))
    upstream = force(master, "up")
    assert upstream["results"] == 0
    downstream = master.wait_for(
        lambda: [b for b in _downstream_builds(master) if b["complete"]], "the downstream build")
    assert [b["results"] for b in downstream] == [0]
    request = master.get(f"buildrequests/{downstream[0]['buildrequestid']}")["buildrequests"][0]
    buildset = master.get(f"buildsets/{request['buildsetid']}")["buildsets"][0]
    up_request = master.get(f"buildrequests/{upstream['buildrequestid']}")["buildrequests"][0]
    up_buildset = master.get(f"buildsets/{up_request['buildsetid']}")["buildsets"][0]
    assert buildset["reason"] == "downstream"
    assert [s["ssid"] for s in buildset["sourcestamps"]] == \
        [s["ssid"] for s in up_buildset["sourcestamps"]]
    props = master.get(f"builds/{downstream[0]['buildid']}/properties")["properties"][0]
    assert props["scheduler"] == ["after-up", "Scheduler"]

    builderid = next(b["builderid"] for b in master.get("builders")["builders"] if b["name"] == "up")
    reply = master.post("forceschedulers/force", "force", {"builderid": str(builderid), "fail": "yes"})
    brid = reply["result"][1][str(builderid)]
    failed = master.wait_for(
        lambda: [b for b in master.get(f"buildrequests/{brid}/builds")["builds"] if b["complete"]],
        "the failing upstream build")
    assert failed[0]["results"] == 2
    time.sleep(2)
    assert len(_downstream_builds(master)) == 1
