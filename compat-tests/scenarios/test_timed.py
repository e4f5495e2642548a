"""A Periodic scheduler builds at once and then every period; its buildsets carry its reason
and the `scheduler` property."""

from conftest import OXBOT, Master, _start_oxbot_worker, run

PERIODIC_CFG = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['schedulers'] = [schedulers.Periodic(name="tick", builderNames=["ticker"], periodicBuildTimer=1)]
f = util.BuildFactory()
f.addStep(steps.ShellCommand(command=["true"]))
c['builders'] = [util.BuilderConfig(name="ticker", workernames=["example-worker"], factory=f)]
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_periodic_builds_repeatedly(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", "-q", basedir]).returncode == 0
    (basedir / "master.cfg").write_text(PERIODIC_CFG)
    master = Master(basedir)
    master.start()
    stop_worker = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    try:
        done = master.wait_for(
            lambda: (lambda b: b if len(b) >= 2 else None)([b for b in master.get("builds")["builds"] if b["complete"]]),
            "two periodic builds",
        )
        assert all(b["results"] == 0 for b in done)
        buildsets = master.get("buildsets")["buildsets"]
        assert buildsets[0]["reason"] == "The Periodic scheduler named 'tick' triggered this build"
        props = master.get(f"builds/{done[0]['buildid']}/properties")["properties"][0]
        assert props["scheduler"] == ["tick", "Scheduler"]
    finally:
        run(stop_worker)
        master.stop()
