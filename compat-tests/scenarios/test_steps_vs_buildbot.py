"""Every built-in step of issue 6, run on Buildbot 4.3 with the real buildbot-worker and on
oxbot (with oxbot-worker, and again with the real buildbot-worker), from the same master.cfg,
and compared: per builder and build the results and state string; per step the name, results,
state string, hidden flag, URLs, log names and the contents of text logs (tracebacks aside);
the build's properties (basedir paths, ports and builder/build request ids normalised,
builderid left out).

The config has passing and failing variants wherever Buildbot's wording differs: ShellCommand
(failing, warnOnFailure, decodeRC, doStepIf, hideStepIf, haltOnFailure/alwaysRun, timeout,
max_lines, descriptions, updateBuildSummaryPolicy, logfiles, a renderer or doStepIf that
raises), ShellSequence, Configure, Compile and Test with warnings (maxWarnCount,
warningPattern, suppressionList), SetPropertyFromCommand, SetProperty, SetProperties,
LogRenderable, MasterShellCommand, Trigger (waiting, failing child, not waiting, two
schedulers), the file transfers (missing sources, maxsize, urls, globs, compression, JSON),
MakeDirectory/RemoveDirectory/CopyDirectory/FileExists, CMake, RemovePYCs, Git (incremental,
clobber, fresh, clean, copy, shallow, submodules, getDescription, a missing repository or
branch) and SVN (incremental, fresh, clobber, clean, copy, a missing repository); the source
builders build twice, the second time after new commits, over their first checkout.
RemovePYCs is compared, but not what it leaves: Buildbot 4.3 quotes its pattern inside an argv
list, so it deletes nothing, where oxbot deletes the .pyc files (python_twisted.py says why).
The repositories are made once with fixed commit dates (each master gets a copy), so both see
the same revisions. The masters run one after the other (Buildbot first) on free ports."""

import json
import os
import re
import shutil
import socket
import time
import urllib.request

import pytest

from conftest import BUILDBOT_WORKER, OXBOT, OXBOT_WORKER, run, wait_until

BUILDBOT = BUILDBOT_WORKER.parent / "buildbot"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}

CONFIG = """\
from buildbot.plugins import schedulers, steps, util, worker
from buildbot.process.results import FAILURE, SKIPPED, SUCCESS, WARNINGS

REPOS = {repos!r}
APP = 'file://' + REPOS + '/app.git'
SUPER = 'file://' + REPOS + '/super.git'
SVNREPO = 'file://' + REPOS + '/svnrepo'
FILE_OK = {{"protocol.file.allow": "always"}}

c = BuildmasterConfig = {{}}
c['workers'] = [worker.Worker("w1", "pass")]
c['protocols'] = {{'pb': {{'port': 'tcp:{pb_port}:interface=127.0.0.1'}}}}
c['www'] = dict(port='tcp:{www_port}:interface=127.0.0.1')
c['db'] = {{'db_url': "sqlite:///state.sqlite"}}
c['buildbotURL'] = "http://127.0.0.1:{www_port}/"
c['title'] = "steps"
c['collapseRequests'] = False

shell = util.BuildFactory()
shell.addStep(steps.ShellCommand(command="echo hello"))
shell.addStep(steps.ShellCommand(command=["echo", "hello", "world"]))
shell.addStep(steps.ShellCommand(command="echo about to fail; exit 3"))
shell.addStep(steps.ShellCommand(command="true", description="building", descriptionDone="built"))
shell.addStep(steps.ShellCommand(command="true", descriptionDone=["built", "twice"],
                                 descriptionSuffix="now"))
shell.addStep(steps.ShellCommand(name="named", command="exit 1", flunkOnFailure=False,
                                 warnOnFailure=True))
shell.addStep(steps.ShellCommand(name="decoded", command="exit 3",
                                 decodeRC={{0: SUCCESS, 3: WARNINGS}}))
shell.addStep(steps.ShellCommand(name="not-flunking", command="exit 1", flunkOnFailure=False))
shell.addStep(steps.ShellCommand(name="skipped", command="false", doStepIf=False))
shell.addStep(steps.ShellCommand(name="skipped-hidden", command="false",
                                 doStepIf=lambda step: False,
                                 hideStepIf=lambda results, step: results == SKIPPED))
shell.addStep(steps.Compile(name="skipped-described", command="false", doStepIf=False,
                            descriptionDone="compiled"))
shell.addStep(steps.ShellCommand(name="hidden", command="true", hideStepIf=True))
shell.addStep(steps.ShellCommand(name="hidden-if-ok", command="true",
                                 hideStepIf=lambda results, step: results == SUCCESS))
shell.addStep(steps.ShellCommand(name="env", command="echo $GREETING", env={{"GREETING": "hi"}}))
shell.addStep(steps.ShellCommand(name="logfiles", command="echo in a file > my.log",
                                 logfiles={{"mylog": "my.log"}}))

shell2 = util.BuildFactory()
shell2.addStep(steps.ShellCommand(name="timeout", command="sleep 5", timeout=1))
shell2.addStep(steps.ShellCommand(name="max-lines", command="seq 100; sleep 1", max_lines=3))
shell2.addStep(steps.ShellCommand(name=util.Interpolate("named-%(prop:buildername)s"),
                                  command="true"))
shell2.addStep(steps.ShellCommand(name="skipped-by-property", command="true",
                                  doStepIf=util.Property("nope", default=False)))
shell2.addStep(steps.ShellCommand(name="hidden-fail", command="exit 1", flunkOnFailure=False,
                                  hideStepIf=lambda results, step: results == FAILURE))
shell2.addStep(steps.ShellCommand(name="summary-all", command="true",
                                  updateBuildSummaryPolicy=True))
shell2.addStep(steps.ShellCommand(name="summary-none", command="exit 1",
                                  updateBuildSummaryPolicy=False))
shell2.addStep(steps.ShellCommand(name="summary-list", command="exit 1",
                                  updateBuildSummaryPolicy=[SUCCESS]))
shell2.addStep(steps.ShellCommand(name="description-only", command="exit 1",
                                  description="only described"))
shell2.addStep(steps.SetProperty(property="listy", value=[1, "two", {{"three": 3}}]))
shell2.addStep(steps.ShellCommand(name="described-fail", command="exit 1",
                                  description=["checking", "things"],
                                  descriptionDone=["checked", "things"]))

@util.renderer
def boom(props):
    raise RuntimeError("boom")


def boom_if(step):
    raise RuntimeError("boom")


exc_render = util.BuildFactory()
exc_render.addStep(steps.ShellCommand(name="render-fails", command=boom))
exc_render.addStep(steps.ShellCommand(name="after", command="true"))
exc_render.addStep(steps.ShellCommand(name="after-always", command="true", alwaysRun=True))
exc_dostepif = util.BuildFactory()
exc_dostepif.addStep(steps.ShellCommand(name="dostepif-fails", command="true", doStepIf=boom_if))

stoppable = util.BuildFactory()
stoppable.addStep(steps.ShellCommand(name="long", command="sleep 60"))
stoppable.addStep(steps.ShellCommand(name="after-stop", command="true"))
stoppable.addStep(steps.ShellCommand(name="always-after-stop", command="true", alwaysRun=True))
master_stoppable = util.BuildFactory()
# A list, so the signal reaches sleep itself (a shell would leave it holding the output open).
master_stoppable.addStep(steps.MasterShellCommand(name="long-on-master",
                                                  command=["sleep", "60"]))

halt = util.BuildFactory()
halt.addStep(steps.ShellCommand(name="halting", command="exit 1", haltOnFailure=True))
halt.addStep(steps.ShellCommand(name="not-run", command="true"))
halt.addStep(steps.ShellCommand(name="always", command="true", alwaysRun=True))

sequence = util.BuildFactory()
sequence.addStep(steps.ShellSequence(commands=[
    util.ShellArg(command="echo one", logname="one"),
    util.ShellArg(command=["echo", "two"], logname="two"),
]))
sequence.addStep(steps.ShellSequence(name="seq-warn", commands=[
    util.ShellArg(command="exit 1", logname="warned", flunkOnFailure=False, warnOnFailure=True),
    util.ShellArg(command="echo after", logname="after"),
]))
sequence.addStep(steps.ShellSequence(name="seq-fail", commands=[
    util.ShellArg(command="exit 2", logname="failed", haltOnFailure=True),
    util.ShellArg(command="echo never", logname="never"),
]))

compile_ = util.BuildFactory()
compile_.addStep(steps.Configure(command=["sh", "-c", "echo configured"]))
compile_.addStep(steps.Compile(command=["sh", "-c", "echo compiling"]))
compile_.addStep(steps.Compile(name="compile-warnings", command=[
    "printf", "a.c:1: warning: unused x\\\\nb.c:2: warning: unused y\\\\nall done\\\\n"]))
compile_.addStep(steps.Test(command=["sh", "-c", "echo tests ok"]))
compile_.addStep(steps.Test(name="test-failing", command=["sh", "-c", "exit 1"]))

compile_fail = util.BuildFactory()
compile_fail.addStep(steps.Configure(command="exit 1"))
compile_fail.addStep(steps.Compile(command="true"))

compile_fail2 = util.BuildFactory()
compile_fail2.addStep(steps.Compile(command="echo 'x.c: warning: bad'; exit 2"))

WARN2 = ["printf", "a.c:1: warning: one\\nW: two\\nb.c:2: warning: three\\n"]
warnings = util.BuildFactory()
warnings.addStep(steps.Compile(name="max-warn", command=WARN2, maxWarnCount=1,
                               haltOnFailure=False))
warnings.addStep(steps.Compile(name="pattern", command=WARN2, warningPattern="^W: "))
warnings.addStep(steps.Compile(name="suppressed", command=WARN2,
                               suppressionList=[(None, ".*three.*", None, None)]))
warnings.addStep(steps.Test(name="test-warnings", command=WARN2))
warnings.addStep(steps.Configure(name="configure-default"))

props = util.BuildFactory()
props.addStep(steps.SetPropertyFromCommand(command="echo 1.2.3", property="version"))
props.addStep(steps.SetPropertyFromCommand(
    name="extract", command="printf 'a=1\\\\nb=2\\\\n'",
    extract_fn=lambda rc, stdout, stderr: dict(l.split('=') for l in stdout.split())))
props.addStep(steps.SetPropertyFromCommand(name="failing-prop", command="echo x; exit 1",
                                           property="never"))
props.addStep(steps.SetProperty(property="flavour", value=util.Interpolate("v%(prop:version)s")))
props.addStep(steps.SetProperties(properties={{"answer": 42, "name": "deep thought"}}))


@util.renderer
def computed_properties(props):
    return {{"computed": props.getProperty("buildername") + "!", "number": 7}}


props.addStep(steps.SetProperties(name="rendered-properties", properties=computed_properties))
props.addStep(steps.LogRenderable(content=util.Interpolate("version %(prop:version)s")))

master = util.BuildFactory()
master.addStep(steps.MasterShellCommand(command="echo on the master"))
master.addStep(steps.MasterShellCommand(command=["echo", "list", "form"]))
master.addStep(steps.MasterShellCommand(name="master-fail", command="exit 2"))
master.addStep(steps.MasterShellCommand(command="echo described", description="publishing",
                                        descriptionDone="published"))

trigger = util.BuildFactory()
trigger.addStep(steps.Trigger(schedulerNames=["child-trig"], waitForFinish=True,
                              set_properties={{"greeting": "hi"}}))
trigger.addStep(steps.Trigger(name="trigger-fail", schedulerNames=["child-fail-trig"],
                              waitForFinish=True))
trigger.addStep(steps.Trigger(name="trigger-nowait", schedulerNames=["child-trig"],
                              waitForFinish=False))
trigger.addStep(steps.Trigger(name="trigger-two", schedulerNames=["child-trig", "child-trig2"],
                              waitForFinish=True, haltOnFailure=False))
child = util.BuildFactory()
child.addStep(steps.ShellCommand(command=util.Interpolate("echo %(prop:greeting)s")))
child_fail = util.BuildFactory()
child_fail.addStep(steps.ShellCommand(command="exit 1"))

transfer = util.BuildFactory()
transfer.addStep(steps.StringDownload("hello download\\n", workerdest="greeting.txt"))
transfer.addStep(steps.FileUpload(workersrc="greeting.txt", masterdest="up/greeting.txt",
                                  url="http://example.org/greeting.txt", mode=0o640))
transfer.addStep(steps.FileDownload(mastersrc="up/greeting.txt", workerdest="down.txt"))
transfer.addStep(steps.ShellCommand(command="mkdir -p d/sub && echo a > d/a && echo b > d/sub/b"))
transfer.addStep(steps.DirectoryUpload(workersrc="d", masterdest="up/d",
                                       url="http://example.org/d", urlText="the d"))
transfer.addStep(steps.StringDownload(util.Interpolate("built by %(prop:buildername)s\\n"),
                                      workerdest="d/sub/built.txt", mode=0o600))
transfer.addStep(steps.MultipleFileUpload(workersrcs=["greeting.txt", "down.txt"],
                                          masterdest="up/multi"))
transfer.addStep(steps.MultipleFileUpload(name="multi-dirs", workersrcs=["d", "greeting.txt"],
                                          masterdest="up/multi2"))
transfer.addStep(steps.MultipleFileUpload(name="multi-glob", workersrcs=["*.txt"], glob=True,
                                          masterdest="up/glob", url="http://example.org/glob"))
transfer.addStep(steps.MultipleFileUpload(name="multi-glob-none", workersrcs=["*.none"],
                                          glob=True, masterdest="up/none"))
transfer.addStep(steps.FileUpload(name="upload-missing", workersrc="missing.txt",
                                  masterdest="up/missing.txt", haltOnFailure=False))
transfer.addStep(steps.FileDownload(name="download-missing", mastersrc="up/missing.txt",
                                    workerdest="x.txt", haltOnFailure=False))
transfer.addStep(steps.DirectoryUpload(name="dirupload-missing", workersrc="nodir",
                                       masterdest="up/nodir", haltOnFailure=False))

fs = util.BuildFactory()
fs.addStep(steps.MakeDirectory(dir="build/out"))
fs.addStep(steps.ShellCommand(command="echo data > out/file.txt; touch a.pyc out/b.pyc"))
fs.addStep(steps.CopyDirectory(src="build/out", dest="build/copy"))
fs.addStep(steps.RemoveDirectory(dir="build/copy"))
fs.addStep(steps.RemoveDirectory(dir="build/never-there"))
fs.addStep(steps.CopyDirectory(name="copy-missing", src="build/nothing", dest="build/x",
                               haltOnFailure=False))
fs.addStep(steps.FileExists(file="build/out/file.txt"))
fs.addStep(steps.FileExists(name="exists-missing", file="build/nothing", haltOnFailure=False))
fs.addStep(steps.FileExists(name="exists-dir", file="build/out", haltOnFailure=False))
fs.addStep(steps.RemovePYCs())
fs.addStep(steps.CopyDirectory(name="copy-halting", src="build/nothing", dest="build/x"))
fs.addStep(steps.ShellCommand(name="after-halt", command="true"))

transfer2 = util.BuildFactory()
transfer2.addStep(steps.StringDownload("0123456789" * 10, workerdest="big.txt"))
transfer2.addStep(steps.FileUpload(name="too-big", workersrc="big.txt", masterdest="up/big.txt",
                                   maxsize=5, haltOnFailure=False))
transfer2.addStep(steps.FileUpload(name="keepstamp", workersrc="big.txt", keepstamp=True,
                                   masterdest="up/stamped.txt"))
transfer2.addStep(steps.ShellCommand(command="mkdir -p z && echo z > z/z.txt"))
transfer2.addStep(steps.DirectoryUpload(name="gz", workersrc="z", masterdest="up/z",
                                        compress="gz"))
transfer2.addStep(steps.JSONStringDownload({{"a": [1, 2]}}, workerdest="a.json"))
transfer2.addStep(steps.JSONPropertiesDownload(workerdest="props.json"))
transfer2.addStep(steps.FileDownload(name="download-new-dir", mastersrc="up/big.txt",
                                     workerdest="new/dir/big.txt", haltOnFailure=False))
transfer2.addStep(steps.SetPropertyFromCommand(name="stderr-prop",
                                               command="echo out; echo err >&2",
                                               property="both", includeStderr=True))
transfer2.addStep(steps.SetPropertyFromCommand(name="unstripped", command="echo '  x  '",
                                               property="unstripped", strip=False))

transfer_halt = util.BuildFactory()
transfer_halt.addStep(steps.DirectoryUpload(workersrc="nodir", masterdest="up/nodir"))
transfer_halt.addStep(steps.ShellCommand(name="after-halt", command="true"))
transfer_halt2 = util.BuildFactory()
transfer_halt2.addStep(steps.MultipleFileUpload(workersrcs=["nofile"], masterdest="up/m"))
transfer_halt2.addStep(steps.ShellCommand(name="after-halt", command="true"))

cmake = util.BuildFactory()
cmake.addStep(steps.StringDownload("cmake_minimum_required(VERSION 3.10)\\nproject(x NONE)\\n",
                                   workerdest="CMakeLists.txt"))
cmake.addStep(steps.CMake(path=".", definitions={{"X": "1"}}, options=["-Wno-dev"]))
cmake.addStep(steps.CMake(name="cmake-generator", path=".", generator="Unix Makefiles"))
cmake.addStep(steps.CMake(name="cmake-missing", path="nowhere"))

git_steps = {{
    "git-incremental": [steps.Git(repourl=APP, mode="incremental")],
    "git-clobber": [steps.Git(repourl=APP, mode="full", method="clobber")],
    "git-fresh": [steps.Git(repourl=APP, mode="full", method="fresh")],
    "git-clean": [steps.Git(repourl=APP, mode="full", method="clean")],
    "git-copy": [steps.Git(repourl=APP, mode="full", method="copy")],
    "git-shallow": [steps.Git(repourl=APP, mode="full", method="clobber", shallow=True)],
    "git-submodules": [steps.Git(repourl=SUPER, mode="full", method="clobber",
                                 submodules=True, config=FILE_OK),
                       steps.ShellCommand(command="cat sub/lib.txt")],
    "git-missing": [steps.Git(repourl='file://' + REPOS + '/missing.git', mode="incremental")],
    "git-badbranch": [steps.Git(repourl=APP, mode="incremental", branch="nope")],
    "git-pinned": [steps.Git(repourl=APP, mode="incremental")],
    "git-pinned-fresh": [steps.Git(repourl=APP, mode="full", method="fresh")],
    "git-latest": [steps.Git(repourl=APP, mode="incremental", alwaysUseLatest=True)],
    "git-options": [steps.Git(repourl=APP, mode="full", method="clobber", progress=True,
                              retryFetch=True, clobberOnFailure=True, timeout=300)],
    "svn-pinned": [steps.SVN(repourl=SVNREPO)],
    "git-describe": [steps.Git(repourl=APP, mode="full", method="clobber",
                               getDescription={{"always": True}}, branch="master")],
    "svn-incremental": [steps.SVN(repourl=SVNREPO)],
    "svn-full": [steps.SVN(repourl=SVNREPO, mode="full", method="fresh")],
    "svn-clobber": [steps.SVN(repourl=SVNREPO, mode="full", method="clobber")],
    "svn-clean": [steps.SVN(repourl=SVNREPO, mode="full", method="clean")],
    "svn-copy": [steps.SVN(repourl=SVNREPO, mode="full", method="copy")],
    "svn-missing": [steps.SVN(repourl=SVNREPO + '-missing', mode="incremental")],
}}

factories = {{
    "shell": shell, "shell2": shell2, "exc-render": exc_render, "exc-dostepif": exc_dostepif,
    "stoppable": stoppable, "master-stoppable": master_stoppable, "halt": halt, "sequence": sequence, "compile": compile_,
    "compile-fail": compile_fail, "compile-fail2": compile_fail2, "warnings": warnings,
    "props": props,
    "master": master, "trigger": trigger, "transfer": transfer, "transfer2": transfer2, "transfer-halt": transfer_halt,
    "transfer-halt2": transfer_halt2, "fs": fs, "cmake": cmake,
}}
for name, step_list in git_steps.items():
    factories[name] = util.BuildFactory(step_list)

c['schedulers'] = [
    schedulers.ForceScheduler(name="force", builderNames=list(factories)),
    schedulers.Triggerable(name="child-trig", builderNames=["child"]),
    schedulers.Triggerable(name="child-fail-trig", builderNames=["child-fail"]),
    schedulers.Triggerable(name="child-trig2", builderNames=["child"]),
]
factories["child"] = child
factories["child-fail"] = child_fail
c['builders'] = [util.BuilderConfig(name=name, workernames=["w1"], factory=f)
                 for name, f in factories.items()]
"""

SOURCE_BUILDERS = [
    "git-incremental", "git-clobber", "git-fresh", "git-clean", "git-copy", "git-shallow",
    "git-submodules", "git-missing", "git-badbranch", "git-pinned", "git-pinned-fresh",
    "git-latest", "git-options", "svn-pinned", "git-describe", "svn-incremental",
    "svn-full", "svn-clobber", "svn-clean", "svn-copy", "svn-missing",
]
FORCED = [
    "shell", "shell2", "exc-render", "exc-dostepif", "stoppable", "master-stoppable", "halt",
    "sequence", "compile", "compile-fail", "compile-fail2", "warnings", "props",
    "master", "trigger", "transfer", "transfer2", "transfer-halt", "transfer-halt2", "fs", "cmake",
    *SOURCE_BUILDERS,
]
# The forced buildsets and the trigger builder's five; then the source steps build again,
# after a new commit, over their first checkout.
BUILDSETS = len(FORCED) + 5


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_repositories(repos):
    """app.git, lib.git and super.git (lib.git as submodule `sub`), with fixed dates so their
    revisions are the same for both masters; svnrepo holds hello.txt at revision 1."""
    env = {**os.environ, **GIT_ENV}

    def git(*args):
        run(["git", "-c", "protocol.file.allow=always", *args], check=True, env=env)

    for name, files in (("app", {"README": "app\n", "main.c": "int main;\n"}),
                        ("lib", {"lib.txt": "from lib\n"}), ("super", {"README": "super\n"})):
        work = repos / f"{name}-work"
        git("init", "-q", "-b", "master", work)
        for path, content in files.items():
            (work / path).write_text(content)
        git("-C", work, "add", ".")
        git("-C", work, "commit", "-q", "-m", f"{name} initial")
        if name == "super":
            git("-C", work, "submodule", "add", "-q", f"file://{repos / 'lib.git'}", "sub")
            git("-C", work, "commit", "-q", "-m", "add submodule")
        git("clone", "-q", "--bare", work, repos / f"{name}.git")
    svnrepo = repos / "svnrepo"
    run(["svnadmin", "create", svnrepo], check=True)
    run(["svn", "checkout", "-q", f"file://{svnrepo}", repos / "svn-work"], check=True)
    (repos / "svn-work" / "hello.txt").write_text("hello\n")
    run(["svn", "add", "-q", repos / "svn-work" / "hello.txt"], check=True)
    run(["svn", "commit", "-q", "-m", "hello", repos / "svn-work"], check=True)


def add_commits(repos):
    """A second commit in app.git (at a fixed date) and revision 2 in svnrepo."""
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": "2024-01-02T00:00:00Z",
           "GIT_COMMITTER_DATE": "2024-01-02T00:00:00Z"}
    work = repos / "app-work"
    (work / "main.c").write_text("int main(void) { return 0; }\n")
    run(["git", "-C", work, "commit", "-q", "-am", "second"], check=True, env=env)
    run(["git", "-C", work, "push", "-q", repos / "app.git", "master"], check=True, env=env)
    run(["svn", "relocate", f"file://{repos / 'svnrepo'}", repos / "svn-work"], check=True)
    (repos / "svn-work" / "hello.txt").write_text("hello again\n")
    run(["svn", "commit", "-q", "-m", "again", repos / "svn-work"], check=True)


class Web:
    def __init__(self, port, log):
        self.url = f"http://127.0.0.1:{port}/api/v2/"
        self.log = log

    def get(self, path):
        return json.loads(self.get_raw(path))

    def get_raw(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as resp:
            return resp.read().decode()

    def force(self, builder, **fields):
        builderid = next(b["builderid"] for b in self.get("builders")["builders"]
                         if b["name"] == builder)
        body = json.dumps({"jsonrpc": "2.0", "method": "force", "id": 1,
                           "params": {"builderid": str(builderid), "reason": "test",
                                      "owner": "tester", **fields}}).encode()
        req = urllib.request.Request(self.url + "forceschedulers/force", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            reply = json.loads(resp.read())
        assert "result" in reply, reply

    def stop_when_running(self, builder, step):
        """Stops the build of `builder` once its step `step` runs."""

        def running():
            builderid = next(b["builderid"] for b in self.get("builders")["builders"]
                             if b["name"] == builder)
            for build in self.get(f"builders/{builderid}/builds")["builds"]:
                steps = self.get(f"builds/{build['buildid']}/steps")["steps"]
                if any(s["name"] == step and s["started_at"] and not s["complete"]
                       for s in steps):
                    return build["buildid"]
            return None

        buildid = self.wait_for(running, f"{builder}'s step {step} to run")
        time.sleep(1)
        body = json.dumps({"jsonrpc": "2.0", "method": "stop", "id": 1,
                           "params": {"reason": "stopped by the test"}}).encode()
        req = urllib.request.Request(self.url + f"builds/{buildid}", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert "result" in json.loads(resp.read())

    def wait_for(self, predicate, what):
        return wait_until(predicate, what, self.log, timeout=240)


def outcome(web, placeholders):
    """The finished builds by builder: results, state string, steps (with their URLs, log
    names and the contents of text logs) and properties."""
    builders = {b["builderid"]: b["name"] for b in web.get("builders")["builders"]}

    def clean(value):
        text = json.dumps(value)
        for path, placeholder in placeholders.items():
            text = text.replace(str(path), placeholder)
        # Builder ids in links follow the order builders are registered in.
        text = re.sub(r"#/builders/(\d+)/", lambda m: f"#/builders/{builders[int(m[1])]}/", text)
        # So do build request ids (the trigger's links name them).
        text = re.sub(r' #(\d+)", "([^"]*)#/buildrequests/\1"', r' #<brid>", "\2#/buildrequests/<brid>"',
                      text)
        return json.loads(text)

    def logs(step):
        out = []
        for log in web.get(f"steps/{step['stepid']}/logs")["logs"]:
            # Tracebacks (err.text, err.html) are Python's on one side only.
            text = log["type"] == "t" and not log["name"].startswith("err.")
            content = web.get_raw(f"logs/{log['logid']}/raw") if text else None
            out.append([log["name"], content] if content is not None else log["name"])
        return out

    result = {}
    for build in sorted(web.get("builds")["builds"], key=lambda b: b["number"]):
        steps = web.get(f"builds/{build['buildid']}/steps")["steps"]
        props = web.get(f"builds/{build['buildid']}/properties")["properties"][0]
        # Builder ids follow the order builders are registered in, which Buildbot does not
        # keep.
        del props["builderid"]
        result.setdefault(builders[build["builderid"]], []).append(clean({
            "results": build["results"],
            "state_string": build["state_string"],
            "steps": [
                [s["name"], s["results"], s["state_string"], s["hidden"], logs(s),
                 [[u["name"], u["url"]] for u in s["urls"]]]
                for s in steps
            ],
            "properties": props,
        }))
    return result


def run_platform(root, master_bin, worker_bin, worker_flags, config, repos, worker_env):
    """Creates and starts a master (`master_bin`) in `root/master` with the config made for its
    free ports and its copy of `repos`, connects a worker (`worker_bin create-worker
    [worker_flags]`), forces every builder, then (after new commits) the source builders again,
    and returns the outcome once every buildset has completed."""
    basedir = root / "master"
    root.mkdir()
    shutil.copytree(repos, root / "repos", symlinks=True)
    assert run([master_bin, "create-master", "-q", basedir]).returncode == 0
    pb_port, www_port = free_port(), free_port()
    (basedir / "master.cfg").write_text(config(pb_port, www_port, root / "repos"))
    result = run([master_bin, "start", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    web = Web(www_port, lambda: (basedir / "twistd.log").read_text())
    worker = root / "worker"
    started = False

    def completed(count):
        buildsets = web.get("buildsets")["buildsets"]
        builds = web.get("builds")["builds"]
        return (len(buildsets) == count and all(bs["complete"] for bs in buildsets)
                and all(b["complete"] for b in builds))

    try:
        web.wait_for(lambda: web.get("builders")["builders"], "the master to answer")
        result = run([worker_bin, "create-worker", *worker_flags, worker,
                      f"127.0.0.1:{pb_port}", "w1", "pass"])
        assert result.returncode == 0, result.stderr
        assert run([worker_bin, "start", worker], env=worker_env).returncode == 0
        started = True
        web.wait_for(lambda: all(w["connected_to"] for w in web.get("workers")["workers"]),
                     "the worker to connect")
        for builder in FORCED:
            web.force(builder)
        web.stop_when_running("stoppable", "long")
        web.stop_when_running("master-stoppable", "long-on-master")
        web.wait_for(lambda: completed(BUILDSETS), "every buildset to complete")
        first = run(["git", "--git-dir", root / "repos" / "app.git", "rev-parse", "master"],
                    check=True).stdout.strip()
        add_commits(root / "repos")
        # The pinned builders build the first revision again (the force form's revision).
        pinned = {"git-pinned": first, "git-pinned-fresh": first, "git-latest": first,
                  "svn-pinned": "1"}
        for builder in SOURCE_BUILDERS:
            web.force(builder, **({"revision": pinned[builder]} if builder in pinned else {}))
        web.wait_for(lambda: completed(BUILDSETS + len(SOURCE_BUILDERS)),
                     "the second source builds to complete")
        return outcome(web, {worker: "<WORKER>", basedir: "<MASTER>", root / "repos": "<REPOS>",
                             f"http://127.0.0.1:{www_port}/": "<URL>/"})
    finally:
        if started:
            run([worker_bin, "stop", worker])
        run([master_bin, "stop", basedir])


def differences(expected, actual):
    """Per builder, build and step, what differs (an empty list when nothing does)."""
    out = []
    for builder in sorted(set(expected) | set(actual)):
        bb, ox = expected.get(builder, []), actual.get(builder, [])
        if len(bb) != len(ox):
            out.append(f"{builder}: {len(bb)} builds on Buildbot, {len(ox)} on oxbot")
        for number, (b, o) in enumerate(zip(bb, ox)):
            where = f"{builder} #{number}"
            for key in ("results", "state_string"):
                if b[key] != o[key]:
                    out.append(f"{where} {key}: buildbot {b[key]!r} oxbot {o[key]!r}")
            for i in range(max(len(b["steps"]), len(o["steps"]))):
                bs = b["steps"][i] if i < len(b["steps"]) else None
                os_ = o["steps"][i] if i < len(o["steps"]) else None
                if bs != os_:
                    out.append(f"{where} step {i}: buildbot {bs!r}\n{' ' * len(where)}"
                               f"         oxbot   {os_!r}")
            for key in sorted(set(b["properties"]) | set(o["properties"])):
                if b["properties"].get(key) != o["properties"].get(key):
                    out.append(f"{where} property {key}: buildbot {b['properties'].get(key)!r}"
                               f" oxbot {o['properties'].get(key)!r}")
    return out


WORKER_ENV = {**os.environ, **GIT_ENV}


def config_for(pb_port, www_port, repos):
    return CONFIG.format(repos=str(repos), pb_port=pb_port, www_port=www_port)


@pytest.fixture(scope="module")
def buildbot_run(tmp_path_factory):
    """The repositories, and what Buildbot 4.3 with buildbot-worker made of the config."""
    if shutil.which("svnadmin") is None or shutil.which("cmake") is None:
        pytest.skip("needs subversion and cmake")
    if not BUILDBOT.exists():
        pytest.fail(f"buildbot not found at {BUILDBOT}; run .ci/run")
    root = tmp_path_factory.mktemp("steps")
    repos = root / "repos"
    repos.mkdir()
    make_repositories(repos)
    expected = run_platform(root / "buildbot", BUILDBOT, BUILDBOT_WORKER, ["-q"], config_for,
                            repos, WORKER_ENV)
    (root / "buildbot.json").write_text(json.dumps(expected, indent=1))
    # Buildbot itself ran every step as configured (so the comparison covers them).
    assert sorted(expected) == sorted(FORCED + ["child", "child-fail"]), expected.keys()
    return repos, expected


@pytest.mark.parametrize("worker", ["oxbot-worker", "buildbot-worker"])
def test_steps_match_buildbot(buildbot_run, worker, tmp_path):
    """oxbot with its own worker, and with the real buildbot-worker (msgpack protocol)."""
    repos, expected = buildbot_run
    if worker == "oxbot-worker":
        actual = run_platform(tmp_path / "oxbot", OXBOT, OXBOT_WORKER, [], config_for, repos,
                              WORKER_ENV)
    else:
        actual = run_platform(tmp_path / "oxbot", OXBOT, BUILDBOT_WORKER,
                              ["-q", "--protocol", "msgpack_experimental_v7"], config_for,
                              repos, WORKER_ENV)
    (tmp_path / "outcome.json").write_text(json.dumps({"buildbot": expected, "oxbot": actual},
                                                      indent=1))
    diff = differences(expected, actual)
    assert not diff, "\n".join(diff)
