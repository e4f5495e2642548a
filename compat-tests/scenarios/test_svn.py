"""The SVN step on a real Subversion repository (`svnadmin`, `file://`): a checkout, an
incremental update to a new revision, and `mode='full'` purging what svn does not know;
`got_revision` is the checked-out revision. `SVNPoller` with `split_file` turns a commit into a
change that a scheduler builds. Skipped where Subversion is not installed
(`.ci/run` installs it)."""

import shutil
import subprocess
import time

import pytest

from conftest import master_fixture, run, start_master
from test_force_build import force

pytestmark = pytest.mark.skipif(shutil.which("svnadmin") is None, reason="needs subversion")

SVN_CFG = """\
import os
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
REPO = 'file://' + os.path.join(basedir, 'repo')

f = util.BuildFactory()
f.addStep(steps.SVN(repourl=REPO))
f.addStep(steps.ShellCommand(name="show", command="cat hello.txt; touch junk.o"))
full = util.BuildFactory()
full.addStep(steps.SVN(repourl=REPO, mode="full", method="fresh", workdir="build"))
full.addStep(steps.ShellCommand(name="junk", command="test ! -e junk.o && cat hello.txt"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["svn", "svn-full"])]
c['builders'] = [
    util.BuilderConfig(name="svn", workernames=["example-worker"], factory=f,
                       workerbuilddir="shared"),
    util.BuilderConfig(name="svn-full", workernames=["example-worker"], factory=full,
                       workerbuilddir="shared"),
]
"""

master = master_fixture(SVN_CFG)


def _commit(master, tmp_path, text):
    work = tmp_path / "svn-work"
    if not work.exists():
        run(["svnadmin", "create", master.basedir / "repo"], check=True)
        run(["svn", "checkout", "-q", f"file://{master.basedir / 'repo'}", work], check=True)
        (work / "hello.txt").write_text(text)
        run(["svn", "add", "-q", work / "hello.txt"], check=True)
    else:
        (work / "hello.txt").write_text(text)
    run(["svn", "commit", "-q", "-m", "change", work], check=True)
    info = subprocess.run(["svn", "info", "--show-item", "revision", f"file://{master.basedir / 'repo'}"],
                          capture_output=True, text=True, check=True)
    return info.stdout.strip()


def test_svn_checkout_update_and_purge(master, worker, tmp_path):
    first = _commit(master, tmp_path, "version one\n")
    build = force(master, "svn")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("svn", 0, "update"), ("show", 0, "'cat hello.txt; ...'"),
    ], master.log()
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["got_revision"] == [first, "SVN"]

    second = _commit(master, tmp_path, "version two\n")
    build = force(master, "svn-full")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"]) for s in steps] == [("svn", 0), ("junk", 0)], master.log()
    log = master.get(f"steps/{steps[1]['stepid']}/logs")["logs"][0]
    assert "version two" in master.get_raw(f"logs/{log['logid']}/raw")
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["got_revision"] == [second, "SVN"]


POLLER_CFG = """\
import os
from buildbot.plugins import changes, schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
ROOT = 'file://' + os.path.join(basedir, 'repo')
c['change_source'] = [changes.SVNPoller(repourl=ROOT, pollinterval=1,
                                        split_file=util.svn.split_file_branches,
                                        revlinktmpl="http://svn.example.org/r%s")]
c['schedulers'] = [schedulers.SingleBranchScheduler(
    name="trunk", change_filter=util.ChangeFilter(branch=None), treeStableTimer=None,
    builderNames=["svn"])]
f = util.BuildFactory()
f.addStep(steps.SVN(repourl=ROOT + "/trunk"))
c['builders'] = [util.BuilderConfig(name="svn", workernames=["example-worker"], factory=f)]
"""


def test_svn_poller_reads_new_revisions(tmp_path):
    master = start_master(tmp_path, POLLER_CFG)
    try:
        root = f"file://{master.basedir / 'repo'}"
        run(["svnadmin", "create", master.basedir / "repo"], check=True)
        run(["svn", "mkdir", "-q", "-m", "layout", f"{root}/trunk", f"{root}/branches"],
            check=True)
        time.sleep(2.5)  # the first poll only records where the repository is
        assert "polling failed" not in master.log()
        work = tmp_path / "wc"
        run(["svn", "checkout", "-q", f"{root}/trunk", work], check=True)
        (work / "main.c").write_text("int main;\n")
        run(["svn", "add", "-q", work / "main.c"], check=True)
        run(["svn", "commit", "-q", "-m", "add main", "--username", "ada", work], check=True)
        change = master.wait_for(lambda: (master.get("changes")["changes"] or [None])[0],
                                 "the trunk change")
        assert (change["branch"], change["files"], change["comments"], change["author"]) == (
            None, ["main.c"], "add main", "ada"), change
        assert change["revision"] == "2" and change["revlink"] == "http://svn.example.org/r2"
        assert change["repository"] == root
        buildsets = master.wait_for(lambda: master.get("buildsets")["buildsets"], "a buildset")
        assert buildsets[0]["sourcestamps"][0]["revision"] == "2"
    finally:
        master.stop()
