"""`ShellSequence`, `CMake`, `RemovePYCs` and `LogRenderable` on a real worker: results, state
strings and logs as Buildbot 4.3 shows them (the expectations were checked against Buildbot
4.3.0 with buildbot-worker 4.3.0 on the same config). One difference on purpose: Buildbot's
RemovePYCs deletes nothing (its pattern keeps its quotes); oxbot's deletes the .pyc files.
The last step is one oxbot cannot run yet: the build ends there, naming it."""

from conftest import master_fixture
from test_force_build import force

MORE_CFG = """\
from twisted.internet import defer
from zope.interface import implementer
from buildbot.interfaces import IRenderable
from buildbot.plugins import schedulers, steps, util, worker


@implementer(IRenderable)
class Greeting:
    def getRenderingFor(self, props):
        return ["echo", "hello", props.getProperty("buildername")]


@util.renderer
@defer.inlineCallbacks
def later(props):
    name = yield defer.succeed(props.getProperty("buildername"))
    return ["echo", "later", name]


c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}

f = util.BuildFactory()
f.addStep(steps.ShellSequence(name="sequence", commands=[
    util.ShellArg(command="echo one", logname="first"),
    util.ShellArg(command=["sh", "-c", "echo two; exit 1"], logname="second", flunkOnFailure=False,
                  warnOnFailure=True),
    util.ShellArg(command=util.Interpolate("echo %(prop:buildername)s"), logname="third"),
]))
f.addStep(steps.ShellSequence(name="halting", haltOnFailure=False, flunkOnFailure=False, commands=[
    util.ShellArg(command="exit 2", logname="fails", haltOnFailure=True),
    util.ShellArg(command="echo never", logname="skipped"),
]))
f.addStep(steps.CMake(cmake="echo", generator="Ninja", definitions={"CMAKE_BUILD_TYPE": "Release"},
                      options=["-Wdev"], path=".."))
f.addStep(steps.ShellCommand(name="make-pyc", command="mkdir -p pkg && touch pkg/a.pyc pkg/b.py"))
f.addStep(steps.RemovePYCs())
f.addStep(steps.ShellCommand(name="left", command="ls pkg"))
f.addStep(steps.LogRenderable(content={"builder": util.Property("buildername"), "n": [1, 2]}))
f.addStep(steps.ShellCommand(name="irenderable", command=Greeting()))
f.addStep(steps.ShellCommand(name="deferred-renderer", command=later))
f.addStep(steps.Cppcheck(enable=["all"]))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["more"])]
c['builders'] = [util.BuilderConfig(name="more", workernames=["example-worker"], factory=f)]
"""


master = master_fixture(MORE_CFG)


def test_python_builtin_steps(master, worker):
    build = force(master, "more")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("sequence", 1, "'echo more' (warnings)"),
        ("halting", 2, "'exit 2' (failure)"),
        ("cmake", 0, "cmake"),
        ("make-pyc", 0, "'mkdir -p ...'"),
        ("remove_pyc", 0, "remove .pycs"),
        ("left", 0, "'ls pkg'"),
        ("LogRenderable", 0, "Logged"),
        ("irenderable", 0, "'echo hello ...'"),
        ("deferred-renderer", 0, "'echo later ...'"),
        ("Cppcheck", 4, "not supported yet by oxbot: step Cppcheck (exception)"),
    ], master.log()

    def logs(step):
        return {log["name"]: master.get_raw(f"logs/{log['logid']}/raw")
                for log in master.get(f"steps/{step['stepid']}/logs")["logs"]}

    sequence = logs(steps[0])
    assert list(sequence) == ["first", "second", "third"]
    assert "one\n" in sequence["first"] and "two\n" in sequence["second"]
    assert "\nmore\n" in sequence["third"]
    assert list(logs(steps[1])) == ["fails"]
    assert "-G Ninja -DCMAKE_BUILD_TYPE=Release -Wdev ..\n" in logs(steps[2])["stdio"]
    assert "b.py" in logs(steps[5])["stdio"] and "a.pyc" not in logs(steps[5])["stdio"]
    assert logs(steps[6])["Output"] == "{'builder': 'more', 'n': [1, 2]}\n"
    assert "hello more\n" in logs(steps[7])["stdio"]
    assert "later more\n" in logs(steps[8])["stdio"]
    assert build["results"] == 4  # the step oxbot cannot run yet ends the build
