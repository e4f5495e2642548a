"""The Mercurial step on a real hg repository: a clone, an incremental pull of a new
revision, and `mode='full'` purging untracked files; `got_revision` is the checked-out node.
Skipped where Mercurial is not installed (`.ci/run` installs it)."""

import shutil
import subprocess

import pytest

from conftest import master_fixture, run
from test_force_build import force

pytestmark = pytest.mark.skipif(shutil.which("hg") is None, reason="needs mercurial")

HG_CFG = """\
import os
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
REPO = os.path.join(basedir, 'repo')

f = util.BuildFactory()
f.addStep(steps.Mercurial(repourl=REPO, branchType="inrepo"))
f.addStep(steps.ShellCommand(name="show", command="cat hello.txt; touch junk.o"))
full = util.BuildFactory()
full.addStep(steps.Mercurial(repourl=REPO, mode="full", method="fresh", branchType="inrepo"))
full.addStep(steps.ShellCommand(name="junk", command="test ! -e junk.o && cat hello.txt"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["hg", "hg-full"])]
c['builders'] = [
    util.BuilderConfig(name="hg", workernames=["example-worker"], factory=f,
                       workerbuilddir="shared"),
    util.BuilderConfig(name="hg-full", workernames=["example-worker"], factory=full,
                       workerbuilddir="shared"),
]
"""

master = master_fixture(HG_CFG)


def _commit(master, text):
    repo = master.basedir / "repo"
    hg = ["hg", "--config", "ui.username=Ada <ada@example.org>", "-R", repo]
    if not repo.exists():
        run(["hg", "init", repo], check=True)
        (repo / "hello.txt").write_text(text)
        run(hg + ["add", repo / "hello.txt"], check=True)
    else:
        (repo / "hello.txt").write_text(text)
    run(hg + ["commit", "-m", "change"], check=True)
    return subprocess.run(["hg", "-R", repo, "log", "-r", "tip", "--template", "{node}"],
                          capture_output=True, text=True, check=True).stdout


def test_mercurial_clone_pull_and_purge(master, worker):
    first = _commit(master, "version one\n")
    build = force(master, "hg")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("hg", 0, "update"), ("show", 0, "'cat hello.txt; ...'"),
    ], master.log()
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["got_revision"] == [first, "Mercurial"]

    second = _commit(master, "version two\n")
    build = force(master, "hg-full")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"]) for s in steps] == [("hg", 0), ("junk", 0)], master.log()
    log = master.get(f"steps/{steps[1]['stepid']}/logs")["logs"][0]
    assert "version two" in master.get_raw(f"logs/{log['logid']}/raw")
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["got_revision"] == [second, "Mercurial"]


POLLER_CFG = """\
import os
from buildbot.plugins import changes, schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
REPO = os.path.join(basedir, 'repo')
c['change_source'] = [changes.HgPoller(REPO, workdir='hgpoller-workdir', pollInterval=1,
                                       revlink=lambda branch, rev: "http://hg/" + rev[:12])]
c['schedulers'] = [schedulers.SingleBranchScheduler(
    name="default", change_filter=util.ChangeFilter(branch="default"), treeStableTimer=None,
    builderNames=["hg"])]
f = util.BuildFactory()
f.addStep(steps.Mercurial(repourl=REPO, branchType="inrepo"))
c['builders'] = [util.BuilderConfig(name="hg", workernames=["example-worker"], factory=f)]
"""


def test_hg_poller_reads_new_revisions(tmp_path):
    import time

    from conftest import start_master

    master = start_master(tmp_path, POLLER_CFG)
    try:
        _commit(master, "one\n")
        time.sleep(3)  # the first poll only records where the branch is
        assert "polling failed" not in master.log()
        node = _commit(master, "two\n")
        change = master.wait_for(lambda: (master.get("changes")["changes"] or [None])[0],
                                 "the change")
        assert (change["branch"], change["files"], change["comments"], change["revision"]) == (
            "default", ["hello.txt"], "change", node), change
        assert change["author"] == "Ada <ada@example.org>"
        assert change["revlink"] == "http://hg/" + node[:12]
        assert master.wait_for(lambda: master.get("buildsets")["buildsets"], "a buildset")
    finally:
        master.stop()
