"""User Python that decides which changes build: `ChangeFilter(filter_fn=..., branch_fn=...)`
and a scheduler's `fileIsImportant` (an unimportant change starts nothing but rides along with
the next important one), with commits reaching GitPoller from a real git repository."""

import time

from conftest import run, start_master

CALLABLES_CFG = """\
import os
from buildbot.plugins import *

c = BuildmasterConfig = {}
REPO = 'file://' + os.path.join(basedir, 'hello-world.git')
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['change_source'] = [changes.GitPoller(REPO, workdir='gitpoller-workdir', branch='master',
                                        pollInterval=1)]

def not_skipped(change):
    return "[skip ci]" not in change.comments

def touches_code(change):
    return any(f.endswith(".c") for f in change.files)

c['schedulers'] = [
    schedulers.SingleBranchScheduler(
        name="filtered", treeStableTimer=None, builderNames=["filtered"],
        change_filter=util.ChangeFilter(filter_fn=not_skipped, branch_fn=lambda b: b == "master")),
    schedulers.SingleBranchScheduler(
        name="important", branch="master", treeStableTimer=1, builderNames=["important"],
        fileIsImportant=touches_code),
]
factory = util.BuildFactory()
factory.addStep(steps.ShellCommand(command="true"))
c['builders'] = [
    util.BuilderConfig(name="filtered", workernames=["example-worker"], factory=factory),
    util.BuilderConfig(name="important", workernames=["example-worker"], factory=factory),
]
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_python_decides_which_changes_build(tmp_path):
    master = start_master(tmp_path, CALLABLES_CFG, {"README": "one\n"})
    basedir = master.basedir
    bare = basedir / "hello-world.git"
    work = bare.with_name(bare.name + "-work")
    git = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", "-C", work]

    def commit(path, text, message):
        (work / path).write_text(text)
        run(git + ["add", path], check=True)
        run(git + ["commit", "-q", "-m", message], check=True)
        run(git + ["push", "-q", bare, "master"], check=True)

    def changes():
        return master.get("changes")["changes"]

    def buildsets_by_scheduler():
        reasons = [b["reason"] for b in master.get("buildsets")["buildsets"]]
        return {name: sum(f"named '{name}'" in r for r in reasons) for name in ("filtered", "important")}

    try:
        master.wait_for(lambda: (basedir / "gitpoller-workdir").exists(), "the first poll")
        time.sleep(2)
        commit("README", "two\n", "docs only [skip ci]")
        master.wait_for(lambda: len(changes()) == 1, "the docs change")
        time.sleep(2.5)  # past the stable timer: an unimportant change alone starts nothing
        assert buildsets_by_scheduler() == {"filtered": 0, "important": 0}, master.log()

        commit("main.c", "int main() { return 0; }\n", "code")
        master.wait_for(lambda: len(changes()) == 2, "the code change")
        master.wait_for(lambda: buildsets_by_scheduler() == {"filtered": 1, "important": 1},
                        "one buildset from each scheduler")
        time.sleep(2)
        assert buildsets_by_scheduler() == {"filtered": 1, "important": 1}
        code_change = next(c for c in changes() if c["comments"] == "code")
        for buildset in master.get("buildsets")["buildsets"]:
            [ss] = buildset["sourcestamps"]
            assert ss["revision"] == code_change["revision"]
    finally:
        master.stop()
