"""A commit reaches GitPoller, the SingleBranchScheduler and a build on oxbot-worker, as in the
sample config; the change shows at /api/v2/changes and the build checks out that commit."""

import time

from conftest import OXBOT, Master, _start_oxbot_worker, make_git_repo, run

POLLING_CFG = """\
import os
from buildbot.plugins import *

c = BuildmasterConfig = {}
REPO = 'file://' + os.path.join(basedir, 'hello-world.git')
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['change_source'] = [changes.GitPoller(REPO, workdir='gitpoller-workdir', branch='master',
                                        pollInterval=1)]
c['schedulers'] = [
    schedulers.SingleBranchScheduler(name="all", change_filter=util.ChangeFilter(branch='master'),
                                     treeStableTimer=None, builderNames=["runtests"]),
    schedulers.ForceScheduler(name="force", builderNames=["runtests"]),
]
factory = util.BuildFactory()
factory.addStep(steps.Git(repourl=REPO, mode='incremental'))
factory.addStep(steps.ShellCommand(command=["sh", "test.sh"]))
c['builders'] = [util.BuilderConfig(name="runtests", workernames=["example-worker"], factory=factory)]
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_commit_triggers_a_build(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", "-q", basedir]).returncode == 0
    bare = make_git_repo(basedir / "hello-world.git", {"test.sh": "echo version one\n"})
    (basedir / "master.cfg").write_text(POLLING_CFG)
    master = Master(basedir)
    master.start()
    stop_worker = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    try:
        # The first poll only records where the branch is.
        master.wait_for(lambda: (basedir / "gitpoller-workdir").exists(), "the first poll")
        time.sleep(2)
        assert master.get("changes")["changes"] == []
        work = bare.with_name(bare.name + "-work")
        (work / "test.sh").write_text("echo version two\n")
        git = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", "-C", work]
        run(git + ["commit", "-q", "-am", "second version"], check=True)
        run(git + ["push", "-q", bare, "master"], check=True)
        revision = run(["git", "-C", work, "rev-parse", "HEAD"]).stdout.strip()

        change = master.wait_for(lambda: (master.get("changes")["changes"] or [None])[0], "the change")
        assert change["revision"] == revision
        assert change["branch"] == "master"
        assert change["author"] == "Ada <ada@example.org>"
        assert change["comments"] == "second version"
        assert change["files"] == ["test.sh"]

        def built():
            builds = [b for b in master.get("builds")["builds"] if b["complete"]]
            return builds[0] if builds else None

        build = master.wait_for(built, "the build of the change")
        assert build["results"] == 0, master.log()
        props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
        assert props["got_revision"][0] == revision
        assert props["scheduler"] == ["all", "Scheduler"]
        step = master.get(f"builds/{build['buildid']}/steps")["steps"][-1]
        log = master.get(f"steps/{step['stepid']}/logs")["logs"][0]
        assert "version two" in master.get_raw(f"logs/{log['logid']}/raw")
        buildset = master.get("buildsets")["buildsets"][0]
        assert buildset["reason"] == "The SingleBranchScheduler scheduler named 'all' triggered this build"
    finally:
        run(stop_worker)
        master.stop()


FUNCTION_CFG = """\
import os
from buildbot.plugins import *

c = BuildmasterConfig = {}
REPO = 'file://' + os.path.join(basedir, 'hello-world.git')
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
seen = []
def feature_branches(ref):
    seen.append(ref)
    return ref.startswith("refs/heads/feature/")
c['change_source'] = [changes.GitPoller(REPO, workdir='gitpoller-workdir', branches=feature_branches,
                                        pollInterval=1)]
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["runtests"])]
factory = util.BuildFactory()
factory.addStep(steps.ShellCommand(command=["true"]))
c['builders'] = [util.BuilderConfig(name="runtests", workernames=["example-worker"], factory=factory)]
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_a_branches_function_chooses_the_refs(tmp_path):
    """GitPoller(branches=function): the function gets each remote ref's full name; commits
    on the refs it accepts become changes (branch without refs/heads/), the others do not."""
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", "-q", basedir]).returncode == 0
    bare = make_git_repo(basedir / "hello-world.git", {"test.sh": "echo one\n"})
    work = bare.with_name(bare.name + "-work")
    git = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", "-C", work]
    run(git + ["branch", "feature/x"], check=True)
    run(["git", "-C", work, "push", "-q", bare, "feature/x"], check=True)
    (basedir / "master.cfg").write_text(FUNCTION_CFG)
    master = Master(basedir)
    master.start()
    try:
        master.wait_for(lambda: (basedir / "gitpoller-workdir").exists(), "the first poll")
        time.sleep(2)
        for branch, text in (("master", "two"), ("feature/x", "three")):
            run(git + ["checkout", "-q", branch], check=True)
            (work / "test.sh").write_text(f"echo {text}\n")
            run(git + ["commit", "-q", "-am", f"on {branch}"], check=True)
            run(["git", "-C", work, "push", "-q", bare, branch], check=True)
        change = master.wait_for(lambda: (master.get("changes")["changes"] or [None])[0], "the change")
        time.sleep(2)
        changes = master.get("changes")["changes"]
        assert [(c["branch"], c["comments"]) for c in changes] == [("feature/x", "on feature/x")], changes
        assert change["branch"] == "feature/x"
    finally:
        master.stop()
