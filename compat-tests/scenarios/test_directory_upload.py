"""DirectoryUpload and MultipleFileUpload on both workers: a worker directory arrives unpacked
under `masterdest` (plain, gz and bz2 tar streams), the step says "uploading <src>" and carries
its URL, and a missing source fails the step; MultipleFileUpload puts files and directories
under `masterdest` by their names (the sources can be glob patterns) and stops at a missing one
with Buildbot's `stderr` log."""

from conftest import master_fixture
from test_force_build import force

DIRUPLOAD_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}

f = util.BuildFactory()
f.addStep(steps.ShellCommand(name="make", command="mkdir -p out/sub && echo top > out/a.txt "
                             "&& echo deep > out/sub/b.txt"))
f.addStep(steps.DirectoryUpload(workersrc="out", masterdest="got/plain",
                                url="http://example.invalid/plain"))
f.addStep(steps.DirectoryUpload(name="gz", workersrc="out", masterdest="got/gz", compress="gz"))
f.addStep(steps.DirectoryUpload(name="bz2", workersrc="out", masterdest="got/bz2", compress="bz2",
                                url="http://example.invalid/b", urlText="the bz2 one"))
f.addStep(steps.DirectoryUpload(name="missing", workersrc="nothere", masterdest="got/missing",
                                haltOnFailure=False))
f.addStep(steps.MultipleFileUpload(name="many", workersrcs=["out/a.txt", "out/sub"],
                                   masterdest="got/many", mode=0o640))
f.addStep(steps.MultipleFileUpload(name="many-missing", workersrcs=["out/a.txt", "nothere"],
                                   masterdest="got/many2", haltOnFailure=False))
f.addStep(steps.MultipleFileUpload(name="globbed", workersrcs=["out/*.txt", "out/s*", "none*"],
                                   glob=True, masterdest="got/globbed"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["dirs"])]
c['builders'] = [util.BuilderConfig(name="dirs", workernames=["example-worker"], factory=f)]
"""

master = master_fixture(DIRUPLOAD_CFG)


def test_directory_upload(master, worker):
    build = force(master, "dirs")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][2:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("upload", 0, "uploading out"),
        ("gz", 0, "uploading out"),
        ("bz2", 0, "uploading out"),
        ("missing", 2, "uploading nothere (failure)"),
        ("many", 0, "uploading 2 files"),
        ("many-missing", 2, "uploading 2 files (failure)"),
        ("globbed", 0, "uploading 2 files"),
    ], master.log()
    for kind in ["plain", "gz", "bz2"]:
        got = master.basedir / "got" / kind
        assert (got / "a.txt").read_text() == "top\n"
        assert (got / "sub" / "b.txt").read_text() == "deep\n"
    assert not (master.basedir / "got" / "missing").exists()
    assert steps[0]["urls"] == [{"name": "plain", "url": "http://example.invalid/plain"}]
    assert steps[2]["urls"] == [{"name": "the bz2 one", "url": "http://example.invalid/b"}]
    many = master.basedir / "got" / "many"
    assert (many / "a.txt").read_text() == "top\n"
    assert (many / "a.txt").stat().st_mode & 0o777 == 0o640
    assert (many / "sub" / "b.txt").read_text() == "deep\n"
    assert (master.basedir / "got" / "many2" / "a.txt").exists()
    logs = {log["name"]: log for log in master.get(f"steps/{steps[5]['stepid']}/logs")["logs"]}
    stderr = master.get(f"logs/{logs['stderr']['logid']}/contents")["logchunks"][0]["content"]
    assert stderr == "File build/nothere not available at worker\n"
    globbed = master.basedir / "got" / "globbed"
    assert (globbed / "a.txt").read_text() == "top\n"
    assert (globbed / "sub" / "b.txt").read_text() == "deep\n"
    assert build["results"] == 2
