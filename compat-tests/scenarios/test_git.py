"""The Git step's options on real repositories: a shallow clobber clone with submodules,
`config`, `getDescription`, a step with a codebase, and `method='copy'`; the git commands and
properties are Buildbot's (the expectations were checked against Buildbot 4.3.0 with
buildbot-worker 4.3.0 on the same config)."""

from conftest import make_git_repo, run, start_master
from test_force_build import force

GIT_CFG = """\
import os
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
APP = 'file://' + os.path.join(basedir, 'hello-world.git')
LIB = 'file://' + os.path.join(basedir, 'lib.git')
FILE_OK = {"protocol.file.allow": "always"}

f = util.BuildFactory()
f.addStep(steps.Git(repourl=APP, codebase="app", mode="full", method="clobber", shallow=True,
                    submodules=True, getDescription={"always": True}, config=FILE_OK))
f.addStep(steps.ShellCommand(name="check", command="cat sub/lib.txt; git rev-parse --is-shallow-repository"))
f.addStep(steps.Git(repourl=LIB, codebase="lib", workdir="libdir", mode="full", method="copy",
                    name="fetch"))
f.addStep(steps.Git(repourl=LIB, codebase="missing", workdir="nowhere", flunkOnFailure=False,
                    haltOnFailure=False))
f.addStep(steps.ShellCommand(name="check-lib", command="cat lib.txt; test ! -e ../source/.git || echo source-kept",
                             workdir="libdir"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["git"],
                                             codebases=["app", "lib"])]
c['builders'] = [util.BuilderConfig(name="git", workernames=["example-worker"], factory=f)]
"""


def _repositories(tmp_path):
    basedir = tmp_path / "master"
    basedir.mkdir()
    lib = make_git_repo(basedir / "lib.git", {"lib.txt": "from lib\n"})
    app = make_git_repo(basedir / "hello-world.git", {"README": "app\n"})
    work = app.with_name(app.name + "-work")
    git = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org",
           "-c", "protocol.file.allow=always", "-C", work]
    run(git + ["submodule", "add", "-q", f"file://{lib}", "sub"], check=True)
    run(git + ["commit", "-q", "-m", "add submodule"], check=True)
    run(git + ["push", "-q", app, "master"], check=True)
    revision = run(["git", "-C", work, "rev-parse", "HEAD"]).stdout.strip()
    lib_revision = run(["git", "--git-dir", lib, "rev-parse", "HEAD"]).stdout.strip()
    return revision, lib_revision


def test_git_options(tmp_path):
    revision, lib_revision = _repositories(tmp_path)
    master = start_master(tmp_path, GIT_CFG)
    try:
        from conftest import _start_oxbot_worker

        stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
        try:
            build = force(master, "git")
        finally:
            run(stop)
        steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
        assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
            ("git-app", 0, "update app"),
            ("check", 0, "'cat sub/lib.txt; ...'"),
            ("fetch-lib", 0, "update lib"),
            ("git-missing", 2, "Codebase missing not in build missing (failure)"),
            ("check-lib", 0, "'cat lib.txt; ...'"),
        ], master.log()

        def stdio(step):
            log = master.get(f"steps/{step['stepid']}/logs")["logs"][0]
            return master.get_raw(f"logs/{log['logid']}/raw")

        assert "from lib\n" in stdio(steps[1]) and "true\n" in stdio(steps[1])
        assert "clone --depth 1" in stdio(steps[0])
        assert "submodule update --init --recursive --depth 1" in stdio(steps[0])
        assert "cpdir" in stdio(steps[2]) or "source" in stdio(steps[2])
        assert "from lib\n" in stdio(steps[4])
        assert build["results"] == 0
        props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
        assert props["got_revision"] == [{"app": revision, "lib": lib_revision}, "Git"]
        assert props["commit-description"] == [{"app": revision[:7]}, "Git"]
    finally:
        master.stop()
