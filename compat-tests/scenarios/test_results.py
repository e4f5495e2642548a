"""How step results combine into the build's, as Buildbot 4.3 does it: flunkOnFailure,
warnOnFailure, warnOnWarnings, flunkOnWarnings, haltOnFailure, alwaysRun, descriptions and
their suffix, and the build's state string (expectations checked against Buildbot 4.3.0 with
buildbot-worker 4.3.0 on the same config)."""

from conftest import master_fixture
from test_force_build import force

RESULTS_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
WARN = "echo 'x: warning: y'"

f = util.BuildFactory()
f.addStep(steps.ShellCommand(name="soft", command="exit 1", flunkOnFailure=False,
                             warnOnFailure=True))
f.addStep(steps.ShellCommand(name="described", command="true", description=["doing", "it"],
                             descriptionDone=["did", "it"], descriptionSuffix="now"))
f.addStep(steps.Compile(name="warned", command=WARN, warnOnWarnings=True))
f.addStep(steps.Compile(name="flunked", command=WARN, flunkOnWarnings=True, haltOnFailure=False))
f.addStep(steps.Configure(name="configure", command="exit 2"))
f.addStep(steps.ShellCommand(name="skipped-by-halt", command="true"))
f.addStep(steps.ShellCommand(name="always", command="true", alwaysRun=True))

ok = util.BuildFactory()
ok.addStep(steps.ShellCommand(name="fine", command="true"))
ok.addStep(steps.Compile(name="warned", command=WARN))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["results", "ok"])]
c['builders'] = [
    util.BuilderConfig(name="results", workernames=["example-worker"], factory=f),
    util.BuilderConfig(name="ok", workernames=["example-worker"], factory=ok),
]
"""

master = master_fixture(RESULTS_CFG)


def _steps(master, build):
    return [(s["name"], s["results"], s["state_string"])
            for s in master.get(f"builds/{build['buildid']}/steps")["steps"][1:]]


def test_results_combine_as_in_buildbot(master, worker):
    build = force(master, "results")
    assert _steps(master, build) == EXPECTED_STEPS, master.log()
    assert (build["results"], build["state_string"]) == EXPECTED_BUILD

    ok = force(master, "ok")
    assert _steps(master, ok) == [("fine", 0, "'true'"), ("warned", 1, "compile (warnings)")]
    assert (ok["results"], ok["state_string"]) == (0, "build successful")


# What Buildbot 4.3 shows for the "results" builder (the step after the halt never starts).
EXPECTED_STEPS = [
    ("soft", 2, "'exit 1' (failure)"),
    ("described", 0, "did it now"),
    ("warned", 1, "compile (warnings)"),
    ("flunked", 1, "compile (warnings)"),
    ("configure", 2, "configure (failure)"),
    ("always", 0, "'true'"),
]
EXPECTED_BUILD = (
    2, "failed 'exit 1' (failure) compile (warnings) compile (warnings) configure (failure)")
