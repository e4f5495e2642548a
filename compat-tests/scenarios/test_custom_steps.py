"""User Python that runs during a build: custom `BuildStep` subclasses (inlineCallbacks and
`async def`), `ShellMixin` with a log observer, old-style `start()` steps, `super().run()` of
built-in steps. What they do shows in the REST API as Buildbot would show it: the expected
steps, results, state strings, properties and URLs are what Buildbot 4.3.0 with
buildbot-worker 4.3.0 shows for the same config (checked by hand; 4.3 has no
`LoggingBuildStep`, so the old-style step is oxbot's own)."""

import pytest
from conftest import master_fixture
from test_force_build import force

CUSTOM_CFG = """\
import re
from twisted.internet import defer
from buildbot.plugins import schedulers, steps, util, worker
from buildbot.data import resultspec
from buildbot.process import buildstep, logobserver, remotecommand
from buildbot.process.results import FAILURE, SUCCESS, WARNINGS

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}


class VersionCheck(buildstep.BuildStep):
    # The custom step of shared/configs/c02_tier2.cfg.
    name = "version-check"

    @defer.inlineCallbacks
    def run(self):
        version = self.getProperty("version")
        tag = self.getProperty("branch") or ""
        yield self.addCompleteLog("versions", "version=%s branch=%s\\n" % (version, tag))
        if tag.startswith("release/") and not tag.endswith(str(version)):
            return FAILURE
        return SUCCESS


class CountTests(logobserver.LogLineObserver):
    def __init__(self):
        super().__init__()
        self.passed = 0
        self.failed = 0

    def outLineReceived(self, line):
        if line.startswith("PASS"):
            self.passed += 1
        elif line.startswith("FAIL"):
            self.failed += 1


class TestSuite(buildstep.ShellMixin, buildstep.BuildStep):
    name = "test-suite"

    def __init__(self, **kwargs):
        kwargs = self.setupShellMixin(kwargs)
        super().__init__(**kwargs)
        self.counter = CountTests()
        self.addLogObserver("stdio", self.counter)

    @defer.inlineCallbacks
    def run(self):
        cmd = yield self.makeRemoteShellCommand()
        yield self.runCommand(cmd)
        self.setProperty("tests_passed", self.counter.passed, "TestSuite")
        self.setProperty("tests_failed", self.counter.failed, "TestSuite")
        self.descriptionDone = "%d passed, %d failed" % (self.counter.passed, self.counter.failed)
        if cmd.didFail():
            return FAILURE
        return WARNINGS if self.counter.failed else SUCCESS


class AsyncProbe(buildstep.BuildStep):
    name = "async-probe"

    async def run(self):
        log = await self.addLog("probe")
        cmd = remotecommand.RemoteShellCommand(
            workdir="build", command=["sh", "-c", "echo $((6 * 7))"], collectStdout=True)
        cmd.useLog(log, False)
        await self.runCommand(cmd)
        self.setProperty("answer", int(cmd.stdout.strip()), "AsyncProbe")
        await log.addStdout("worker said " + cmd.stdout)
        await self.addURL("docs", "http://example.org/docs")
        return cmd.results()


class OldStyle(buildstep.LoggingBuildStep):
    name = "old-style"

    def start(self):
        cmd = buildstep.RemoteShellCommand(workdir="build", command="echo old style")
        self.startCommand(cmd)

    def evaluateCommand(self, cmd):
        return WARNINGS if cmd.rc == 0 else FAILURE


class GrepFailures(steps.ShellCommand):
    def evaluateCommand(self, cmd):
        return FAILURE if "ERROR" in cmd.stdout else SUCCESS

    @defer.inlineCallbacks
    def run(self):
        cmd = yield self.makeRemoteShellCommand(collectStdout=True)
        yield self.runCommand(cmd)
        return self.evaluateCommand(cmd)


class Refuse(buildstep.BuildStep):
    name = "refuse"

    def run(self):
        raise buildstep.BuildStepFailed()


class Summarised(steps.ShellCommand):
    def run(self):
        return super().run()

    def getResultSummary(self):
        return {"step": "custom summary for " + self.getProperty("buildername")}


class MakeOut(buildstep.CommandMixin, steps.MakeDirectory):
    @defer.inlineCallbacks
    def run(self):
        res = yield super().run()
        exists = yield self.pathExists(self.build.workdir + "/out")
        self.setProperty("out_exists", exists, "MakeOut")
        return res


def extract_versions(rc, stdout, stderr):
    return {"major": stdout.split(".")[0], "warnings": stderr.count("warn"), "rc": rc}


class AddMore(buildstep.BuildStep):
    name = "add-more"

    @defer.inlineCallbacks
    def run(self):
        # What custom steps read through the data API.
        builds = yield self.master.data.get(
            ("builders", self.build.builder.name, "builds"),
            filters=[resultspec.Filter("number", "eq", [self.build.number])])
        self.setProperty("seen_by_data_api", [b["number"] for b in builds], "AddMore")
        build = yield self.master.data.get(("builds", self.build.buildid))
        self.setProperty("own_state", build["state_string"], "AddMore")
        self.build.addStepsAfterCurrentStep([
            steps.ShellCommand(name="added-1", command="echo one"),
            steps.ShellCommand(name="added-2", command="echo two"),
        ])
        self.build.addStepsAfterLastStep([steps.ShellCommand(name="last", command="echo last")])
        return SUCCESS


class Broken(buildstep.BuildStep):
    name = "broken"

    def run(self):
        return {}["missing"]


custom = util.BuildFactory()
custom.addStep(steps.SetPropertyFromCommand(command="echo 1.2", property="version"))
custom.addStep(VersionCheck())
custom.addStep(TestSuite(command="printf 'PASS a\\\\nPASS b\\\\nFAIL c\\\\n'"))
custom.addStep(AsyncProbe())
custom.addStep(OldStyle())
custom.addStep(GrepFailures(name="grep", command="echo all good"))
custom.addStep(Summarised(name="summarised", command="true"))
custom.addStep(MakeOut(dir="build/out"))
custom.addStep(Refuse(flunkOnFailure=False))
custom.addStep(steps.SetPropertyFromCommand(command="echo 3.4; echo warn >&2",
                                            extract_fn=extract_versions))

broken = util.BuildFactory()
broken.addStep(Broken())

dynamic = util.BuildFactory()
dynamic.addStep(AddMore())
dynamic.addStep(steps.ShellCommand(name="configured", command="echo configured"))

c['schedulers'] = [schedulers.ForceScheduler(name="force",
                                             builderNames=["custom", "broken", "dynamic"])]
c['builders'] = [
    util.BuilderConfig(name="custom", workernames=["example-worker"], factory=custom),
    util.BuilderConfig(name="broken", workernames=["example-worker"], factory=broken),
    util.BuilderConfig(name="dynamic", workernames=["example-worker"], factory=dynamic),
]
"""


master = master_fixture(CUSTOM_CFG)


def test_custom_steps_run_their_python(master, worker):
    build = force(master, "custom")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("worker_preparation", 0, "worker example-worker ready"),
        ("setproperty", 0, "property 'version' set"),
        ("version-check", 0, "finished"),
        ("test-suite", 1, "2 passed, 1 failed (warnings)"),
        ("async-probe", 0, "finished"),
        ("old-style", 1, "finished (warnings)"),
        ("grep", 0, "'echo all ...'"),
        ("summarised", 0, "custom summary for custom"),
        ("MakeDirectory", 0, "Created"),
        ("refuse", 2, "finished (failure)"),
        ("setproperty_1", 0, "3 properties set"),
    ], master.log()
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["tests_passed"] == [2, "TestSuite"]
    assert props["tests_failed"] == [1, "TestSuite"]
    assert props["answer"] == [42, "AsyncProbe"]
    assert props["out_exists"] == [True, "MakeOut"]
    assert props["major"] == ["3", "SetPropertyFromCommand Step"]
    assert props["warnings"] == [1, "SetPropertyFromCommand Step"]
    assert props["rc"] == [0, "SetPropertyFromCommand Step"]

    def log_text(step, name):
        logs = master.get(f"steps/{step['stepid']}/logs")["logs"]
        log = next(log for log in logs if log["name"] == name)
        return log, master.get_raw(f"logs/{log['logid']}/raw")

    by_name = {s["name"]: s for s in steps}
    _, changes = log_text(by_name["setproperty_1"], "property changes")
    assert changes == "major: '3'\nrc: 0\nwarnings: 1\n"
    _, changes = log_text(by_name["setproperty"], "property changes")
    assert changes == "version: '1.2'\n"
    versions, text = log_text(by_name["version-check"], "versions")
    assert versions["type"] == "t" and text == "version=1.2 branch=\n"
    _, probe = log_text(by_name["async-probe"], "probe")
    # The command's own output has no `stdio` log to go to (the step gave its log another
    # name), as in Buildbot; Buildbot 4.3 also writes a few header lines of its own first.
    assert probe.endswith("worker said 42\n") and probe.count("42") == 1
    assert by_name["async-probe"]["urls"] == [{"name": "docs", "url": "http://example.org/docs"}]
    _, stdio = log_text(by_name["old-style"], "stdio")
    assert "old style" in stdio
    assert build["results"] == 0  # WARNINGS steps without warnOnWarnings leave it SUCCESS


def test_exception_in_custom_step_is_recorded(master, worker):
    if worker != "oxbot-worker":
        pytest.skip("the exception happens on the master; one worker kind is enough")
    build = force(master, "broken")
    step = master.get(f"builds/{build['buildid']}/steps")["steps"][-1]
    assert (step["name"], step["results"]) == ("broken", 4)
    logs = master.get(f"steps/{step['stepid']}/logs")["logs"]
    err = next(log for log in logs if log["name"] == "err.text")
    text = master.get_raw(f"logs/{err['logid']}/raw")
    assert "KeyError: 'missing'" in text and "in run" in text
    assert build["results"] == 4


def test_steps_added_while_the_build_runs(master, worker):
    build = force(master, "dynamic")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"]) for s in steps] == [
        ("add-more", 0), ("added-1", 0), ("added-2", 0), ("configured", 0), ("last", 0),
    ], master.log()
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["seen_by_data_api"] == [[build["number"]], "AddMore"]
    assert props["own_state"] == ["building", "AddMore"]
