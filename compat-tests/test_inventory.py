"""The configs of shared/configs, unchanged, give over REST the builders (names, tags, worker
names), workers and schedulers that Buildbot 4.3's own loader reads from them."""

import json
import shutil

import pytest

from conftest import BUILDBOT_WORKER, OXBOT, ROOT, SHARED, Master, run

# c01 and c04 name the waterfall, console and grid plugins: Buildbot 4.3 refuses to start
# without them, and so does oxbot. As a user would, the masters here run with the virtualenv
# of oxbot's Python that holds them (made by .ci/run).
VENV_UI = ROOT / "compat-tests" / ".venv-ui"


@pytest.fixture(autouse=True)
def www_plugins(monkeypatch):
    if not (VENV_UI / "bin" / "python").exists():
        pytest.fail(f"no {VENV_UI} (buildbot-www and its plugins for oxbot's Python); run .ci/run")
    monkeypatch.setenv("VIRTUAL_ENV", str(VENV_UI))

BUILDBOT_PYTHON = BUILDBOT_WORKER.parent / "python"

REFERENCE = """
import json, os, sys
from buildbot.config.master import FileLoader
basedir = sys.argv[1]
os.chdir(basedir)
cfg = FileLoader(basedir, "master.cfg").loadConfig()
print(json.dumps({
    "builders": sorted([b.name, sorted(b.tags), sorted(b.workernames)] for b in cfg.builders),
    "workers": sorted(w.workername for w in cfg.workers),
    "schedulers": sorted(cfg.schedulers),
}))
"""


def reference_inventory(basedir):
    if not BUILDBOT_PYTHON.exists():
        pytest.fail(f"no Buildbot venv at {BUILDBOT_PYTHON.parent}; run .ci/run")
    result = run([BUILDBOT_PYTHON, "-c", REFERENCE, basedir])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def oxbot_inventory(master):
    builders = master.get("builders")["builders"]
    names = {b["builderid"]: b["name"] for b in builders}
    workers = master.get("workers")["workers"]
    workers_of = {
        b["builderid"]: sorted(w["name"] for w in workers if any(c["builderid"] == b["builderid"] for c in w["configured_on"]))
        for b in builders
    }
    return {
        "builders": sorted([names[i], sorted(b["tags"]), workers_of[i]] for i, b in ((b["builderid"], b) for b in builders)),
        "workers": sorted(w["name"] for w in workers),
        "schedulers": sorted(s["name"] for s in master.get("schedulers")["schedulers"] if s["master"]),
    }


def shared_case(case, basedir):
    """A master directory at `basedir` holding the shared config `case` (a directory, or a
    single `.cfg` file as its master.cfg)."""
    source = SHARED / "configs" / case
    if source.is_dir():
        shutil.copytree(source, basedir)
    else:
        basedir.mkdir()
        shutil.copy(source.with_suffix(".cfg"), basedir / "master.cfg")
    return basedir


@pytest.mark.parametrize("case", ["c01_sample_style", "c02_tier2", "c03_locks_loops", "c06_split"])
def test_inventory_matches_buildbot(tmp_path, case):
    basedir = shared_case(case, tmp_path / "master")
    expected = reference_inventory(basedir)
    assert run([OXBOT, "create-master", "-q", basedir]).returncode == 0
    master = Master(basedir)
    master.start()
    try:
        assert oxbot_inventory(master) == expected
    finally:
        master.stop()


# The inventory a person reads off c04 (2.x spellings) and c05 (0.8 spellings): Buildbot 4.3
# rejects both, so the reference is the file itself. c05's `category` is its builder's tag.
READ_OFF_THE_FILE = {
    "c04_legacy_2x": {
        "builders": [["project", [], ["builder-1"]]],
        "workers": ["builder-1"],
        "schedulers": ["trunk"],
    },
    "c05_legacy_08": {
        "builders": [["full", [], ["slave2"]], ["quick", ["fast"], ["slave1", "slave2"]]],
        "workers": ["slave1", "slave2"],
        "schedulers": ["force", "trunk"],
    },
}


@pytest.mark.parametrize("case", sorted(READ_OFF_THE_FILE))
def test_legacy_inventory_is_what_the_file_says(tmp_path, case):
    basedir = tmp_path / "master"
    basedir.mkdir()
    shutil.copy(SHARED / "configs" / f"{case}.cfg", basedir / "master.cfg")
    assert run([OXBOT, "create-master", "-q", basedir]).returncode == 0
    master = Master(basedir)
    master.start()
    try:
        assert oxbot_inventory(master) == READ_OFF_THE_FILE[case]
    finally:
        master.stop()
