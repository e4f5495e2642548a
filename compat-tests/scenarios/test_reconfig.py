"""`oxbot reconfig`: a new master.cfg applies without stopping the build that is running (the
pain Buildbot users know), new builders and schedulers work at once, and a broken config
changes nothing."""

from conftest import OXBOT, _start_oxbot_worker, master_fixture, run
from test_force_build import force, force_request
from test_stop import wait_running_shell

BASE_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
slow = util.BuildFactory()
slow.addStep(steps.ShellCommand(command="echo started; sleep 30"))
c['builders'] = [util.BuilderConfig(name="slow", workernames=["example-worker"], factory=slow)]
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=%(builders)r)]
"""

ADDED = """
quick = util.BuildFactory()
quick.addStep(steps.ShellCommand(command="echo %(greeting)s"))
c['builders'].append(util.BuilderConfig(name="quick", workernames=["example-worker"],
                                        factory=quick))
"""

master = master_fixture(BASE_CFG % {"builders": ["slow"]})


def test_reconfig_keeps_running_builds(master, tmp_path, request):
    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))
    slow = wait_running_shell(master, force_request(master, "slow"))

    cfg = master.basedir / "master.cfg"
    cfg.write_text(BASE_CFG % {"builders": ["slow", "quick"]} + ADDED % {"greeting": "hi"})
    result = run([OXBOT, "reconfig", master.basedir])
    assert result.returncode == 0, result.stdout + result.stderr + master.log()
    assert "Reconfiguration appears to have completed successfully" in result.stdout

    assert sorted(b["name"] for b in master.get("builders")["builders"]) == ["quick", "slow"]
    quick = force(master, "quick")
    assert quick["results"] == 0, master.log()
    assert not master.get(f"builds/{slow['buildid']}")["builds"][0]["complete"]

    cfg.write_text("this is not python\n")
    result = run([OXBOT, "reconfig", master.basedir])
    assert result.returncode == 1
    assert "Reconfiguration failed" in result.stdout
    assert "configuration update aborted without making any changes" in master.log()
    assert force(master, "quick")["results"] == 0

    master.post(f"builds/{slow['buildid']}", "stop", {"reason": "done"})
    finished = master.wait_for(
        lambda: (lambda b: b if b["complete"] else None)(
            master.get(f"builds/{slow['buildid']}")["builds"][0]), "the slow build to stop")
    assert finished["results"] == 6


DYNAMIC_CFG = """\
from twisted.internet import defer
from buildbot.plugins import schedulers, steps, util, worker
from buildbot.process import buildstep

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
VERSION = %(version)r


@util.renderer
def which(props):
    return ["echo", "config", VERSION]


class WaitThenAdd(buildstep.ShellMixin, buildstep.BuildStep):
    name = "wait-then-add"

    def __init__(self, **kwargs):
        kwargs = self.setupShellMixin(kwargs)
        super().__init__(**kwargs)

    @defer.inlineCallbacks
    def run(self):
        cmd = yield self.makeRemoteShellCommand(command="echo started; sleep 4")
        yield self.runCommand(cmd)
        self.build.addStepsAfterCurrentStep([steps.ShellCommand(name="added", command=which)])
        return cmd.results()


f = util.BuildFactory()
f.addStep(WaitThenAdd())
c['builders'] = [util.BuilderConfig(name="dynamic", workernames=["example-worker"], factory=f)]
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["dynamic"])]
"""


def test_a_build_started_before_a_reconfig_keeps_its_python(tmp_path, request):
    from conftest import start_master

    master = start_master(tmp_path, DYNAMIC_CFG % {"version": "old"})
    request.addfinalizer(master.stop)
    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))
    brid = force_request(master, "dynamic")

    def running():
        builds = master.get(f"buildrequests/{brid}/builds")["builds"]
        steps = builds and master.get(f"builds/{builds[0]['buildid']}/steps")["steps"]
        return builds[0] if steps and any(s["name"] == "wait-then-add" for s in steps) else None

    build = master.wait_for(running, "the custom step to run")
    # Many more handles in the new configuration, so that indexes differ.
    new = DYNAMIC_CFG % {"version": "new"} + "extra = [util.Transform(len, []) for _ in range(50)]\n"
    (master.basedir / "master.cfg").write_text(new)
    assert run([OXBOT, "reconfig", master.basedir]).returncode == 0, master.log()
    done = master.wait_for(
        lambda: (lambda b: b if b["complete"] else None)(
            master.get(f"builds/{build['buildid']}")["builds"][0]), "the build to finish")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    assert [(s["name"], s["results"]) for s in steps][1:] == [("wait-then-add", 0), ("added", 0)], \
        master.log()
    log = master.get(f"steps/{steps[-1]['stepid']}/logs")["logs"][0]
    assert "config old\n" in master.get_raw(f"logs/{log['logid']}/raw")
    assert done["results"] == 0


HELPER_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker
import helpers

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
f = util.BuildFactory()
f.addStep(steps.ShellCommand(command="true"))
c['builders'] = [util.BuilderConfig(name=n, workernames=["example-worker"], factory=f)
                 for n in helpers.BUILDERS]
c['schedulers'] = [schedulers.ForceScheduler(name=helpers.SCHEDULER,
                                             builderNames=helpers.BUILDERS)]
"""


def test_helper_modules_are_imported_again_on_reconfig(tmp_path, request):
    from conftest import start_master

    (tmp_path / "master").mkdir()
    (tmp_path / "master" / "helpers.py").write_text("BUILDERS = ['one']\nSCHEDULER = 'f1'\n")
    master = start_master(tmp_path, HELPER_CFG)
    request.addfinalizer(master.stop)
    assert [b["name"] for b in master.get("builders")["builders"]] == ["one"]
    (master.basedir / "helpers.py").write_text("BUILDERS = ['one', 'two']\nSCHEDULER = 'f2'\n")
    assert run([OXBOT, "reconfig", master.basedir]).returncode == 0, master.log()
    assert sorted(b["name"] for b in master.get("builders")["builders"]) == ["one", "two"]
    # The dropped scheduler is no longer this master's.
    masters = {s["name"]: s["master"] for s in master.get("schedulers")["schedulers"]}
    assert masters["f1"] is None and masters["f2"] is not None, masters


RENDERER_CFG = BASE_CFG % {"builders": ["slow", "rendered"]} + """
@util.renderer
def greeting(props):
    return ["echo", "rendered by", props.getProperty("buildername")]

print("master.cfg says hello")
rendered = util.BuildFactory()
rendered.addStep(steps.ShellCommand(command=greeting))
c['builders'].append(util.BuilderConfig(name="rendered", workernames=["example-worker"],
                                        factory=rendered))
"""


def configured_builders(master):
    """The builders a master runs (those a reconfig dropped stay in the database)."""
    return sorted(b["name"] for b in master.get("builders")["builders"] if b["masterids"])


def last_log_text(master, build):
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    log = master.get(f"steps/{steps[-1]['stepid']}/logs")["logs"][0]
    return master.get_raw(f"logs/{log['logid']}/raw")


def test_python_joins_the_master_when_a_config_needs_it(master, tmp_path, request):
    """The master evaluates master.cfg in a child process and keeps no Python while its
    configuration has no Python objects; a reconfig to one with a renderer loads it in the
    master, and what master.cfg prints lands in twistd.log."""
    assert "the master runs without Python" in master.log()
    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))

    (master.basedir / "master.cfg").write_text(RENDERER_CFG)
    assert run([OXBOT, "reconfig", master.basedir]).returncode == 0, master.log()
    assert "loading it in the master" in master.log()
    assert "master.cfg says hello" in master.log()
    build = force(master, "rendered")
    assert build["results"] == 0, master.log()
    assert "rendered by rendered\n" in last_log_text(master, build)

    # Back to a configuration without Python objects: the master holds Python now and loads
    # it itself.
    (master.basedir / "master.cfg").write_text(BASE_CFG % {"builders": ["slow"]})
    assert run([OXBOT, "reconfig", master.basedir]).returncode == 0, master.log()
    assert configured_builders(master) == ["slow"]


def test_a_config_that_kills_its_process_leaves_the_master_running(master):
    (master.basedir / "master.cfg").write_text("import os\nos._exit(7)\n")
    result = run([OXBOT, "reconfig", master.basedir])
    assert result.returncode == 1
    assert "the process that evaluates the configuration failed (exit status: 7)" in master.log()
    assert "configuration update aborted without making any changes" in master.log()
    assert configured_builders(master) == ["slow"]


def test_a_config_that_kills_its_process_fails_the_start(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", basedir]).returncode == 0
    (basedir / "master.cfg").write_text("import os\nos._exit(7)\n")
    result = run([OXBOT, "start", basedir])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the process that evaluates the configuration failed (exit status: 7)" in result.stderr
