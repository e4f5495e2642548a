"""`Compile`/`Test`/`WarningCountingShellCommand` count warnings as Buildbot does: lines that
`warningPattern` (a Python regex) matches go to a `warnings (N)` log, add to `warnings-count`,
and make the step WARNINGS, or FAILURE past `maxWarnCount`; suppressions and make's directory
lines are honoured (expectations checked against Buildbot 4.3.0 on the same config)."""

from conftest import master_fixture
from test_force_build import force

WARNINGS_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
# printf writes make's quotes (`...') from octal escapes.
OUTPUT = ("printf 'a.c:1: warning: unused\\\\nok\\\\nb.c:2: Warning: shadow\\\\n"
          "make[1]: Entering directory \\\\140/src/lib\\\\047\\\\n"
          "c.c:3: warning: deprecated\\\\n"
          "make[1]: Leaving directory \\\\140/src/lib\\\\047\\\\n'")

f = util.BuildFactory()
f.addStep(steps.Compile(command=OUTPUT))
f.addStep(steps.Test(command=OUTPUT, maxWarnCount=1, flunkOnFailure=False))
f.addStep(steps.WarningCountingShellCommand(
    name="suppressed", command=OUTPUT,
    warningPattern=r"^(.*?):([0-9]+): [Ww]arning: (.*)$",
    warningExtractor=steps.WarningCountingShellCommand.warnExtractFromRegexpGroups,
    suppressionList=[(r"/src/lib/c\\.c", None, None, None), (None, "shadow", None, None)]))
f.addStep(steps.Compile(name="clean", command="echo all good"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["warn"])]
c['builders'] = [util.BuilderConfig(name="warn", workernames=["example-worker"], factory=f)]
"""

master = master_fixture(WARNINGS_CFG)


def test_warnings_are_counted(master, worker):
    build = force(master, "warn")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("compile", 1, "compile (warnings)"),
        ("test", 2, "test (failure)"),
        ("suppressed", 1, "'printf 'a.c:1: ...' (warnings)"),
        ("clean", 0, "compile"),
    ], master.log()

    def logs(step):
        return {log["name"]: master.get_raw(f"logs/{log['logid']}/raw")
                for log in master.get(f"steps/{step['stepid']}/logs")["logs"]}

    # As in Buildbot, the stdio header lines (the command, its argv) are matched too.
    compile_warnings = logs(steps[0])["warnings (5)"].splitlines()
    assert len(compile_warnings) == 5
    assert compile_warnings[2:] == [
        "a.c:1: warning: unused", "b.c:2: Warning: shadow", "c.c:3: warning: deprecated"]
    assert logs(steps[2])["warnings (1)"] == "a.c:1: warning: unused\n"
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["warnings-count"] == [11, "WarningCountingShellCommand"]
    assert build["results"] == 1
