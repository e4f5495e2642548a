"""The SVN step on a real Subversion repository (`svnadmin`, `file://`): a checkout, an
incremental update to a new revision, and `mode='full'` purging what svn does not know;
`got_revision` is the checked-out revision. Skipped where Subversion is not installed
(`.ci/run` installs it)."""

import shutil
import subprocess

import pytest

from conftest import master_fixture, run
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
