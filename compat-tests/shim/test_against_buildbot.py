"""The shim against the real Buildbot 4.3: every plugin name resolves, ForceScheduler parameters
describe themselves as Buildbot's ``getSpec()`` does, and broken configs give the errors
``buildbot checkconfig`` gives. The shim runs in this Python (``python/`` on ``sys.path``),
Buildbot in its own venv (next to ``BUILDBOT_WORKER``, as ``test_inventory.py`` finds it)."""

import json
import shutil
import sys

import pytest

from conftest import BUILDBOT_WORKER, ROOT, run

BUILDBOT_PYTHON = BUILDBOT_WORKER.parent / "python"
CONFIGS = ROOT / "compat-tests" / "configs"

SHIM_PRELUDE = f"""
import json, sys
sys.path.insert(0, {str(ROOT / "python")!r})
from buildbot_compat import _alias
_alias.install()
"""

PLUGIN_NAMES = """
import importlib, json
from buildbot.plugins import worker, changes, schedulers, util, steps, reporters, secrets
out = {}
for ns in (worker, changes, schedulers, util, steps, reporters, secrets):
    names = []
    for name in ns.names:
        try:
            obj = ns
            for part in name.split("."):
                obj = getattr(obj, part)
        except Exception:
            continue  # third-party entry points that do not import here
        names.append(name)
    out[ns._group.split(".")[-1]] = sorted(names)
print(json.dumps(out))
"""

FORCE_REAL = """
import json, os, re, sys
from buildbot.config.master import loadConfigDict
from buildbot.schedulers.forcesched import ForceScheduler
os.chdir(sys.argv[1])
_, c = loadConfigDict(sys.argv[1], "master.cfg")
out = {}
for s in c.get("schedulers", []):
    if isinstance(s, ForceScheduler):
        s.reconfigService(*s._config_args, **s._config_kwargs)
        out[s.name] = [f.getSpec() for f in s.all_fields]
def plain(o):
    if isinstance(o, re.Pattern):
        return o.pattern
    raise TypeError(repr(o))
print(json.dumps(out, default=plain, sort_keys=True))
"""

FORCE_OURS = SHIM_PRELUDE + """
from buildbot_compat import _loader
d = json.loads(_loader.load(sys.argv[1], "master.cfg"))
out = {s["name"]: s["args"]["all_fields"] for s in d["schedulers"] if s["kind"] == "ForceScheduler"}
print(json.dumps(out, sort_keys=True))
"""

ERRORS_OURS = SHIM_PRELUDE + """
from buildbot_compat import _loader
from buildbot_compat.config.errors import ConfigErrors
try:
    _loader.load(".", "master.cfg")
    print(json.dumps([]))
except ConfigErrors as e:
    print(json.dumps(e.errors))
"""


@pytest.fixture(scope="module")
def buildbot_python():
    if not BUILDBOT_PYTHON.exists():
        pytest.fail(f"no Buildbot venv at {BUILDBOT_PYTHON.parent}; run .ci/run")
    return BUILDBOT_PYTHON


def python_json(python, script, *args, cwd=None):
    result = run([python, "-c", script, *args], cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_every_plugin_name_resolves(buildbot_python):
    reference = python_json(buildbot_python, PLUGIN_NAMES)
    script = SHIM_PRELUDE + """
import importlib
missing = []
for ns, names in json.loads(sys.argv[1]).items():
    module = importlib.import_module("buildbot.plugins." + ns)
    for name in names:
        obj = module
        try:
            for part in name.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            missing.append(ns + "." + name)
print(json.dumps(missing))
"""
    assert python_json(sys.executable, script, json.dumps(reference)) == []


@pytest.mark.parametrize(
    "case", ["c01_sample_style", "c02_tier2", "c03_locks_loops", "forcesched_parameters"]
)
def test_forcescheduler_fields_equal_buildbot(buildbot_python, tmp_path, case):
    shutil.copytree(CONFIGS / case, tmp_path / case)
    basedir = str(tmp_path / case)
    expected = python_json(buildbot_python, FORCE_REAL, basedir)
    assert expected, "the case has force schedulers"
    assert python_json(sys.executable, FORCE_OURS, basedir) == expected


def buildbot_errors(buildbot_python, basedir):
    buildbot = buildbot_python.parent / "buildbot"
    result = run([buildbot, "checkconfig", "."], cwd=basedir)
    assert result.returncode == 1
    text = result.stderr.split("Configuration Errors:\n", 1)[1]
    return [line[2:] for line in text.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize(
    "case", sorted(p.name for p in CONFIGS.iterdir() if p.name.startswith("broken_"))
)
def test_broken_config_errors_equal_buildbot(buildbot_python, tmp_path, case):
    shutil.copytree(CONFIGS / case, tmp_path / case)
    ours = python_json(sys.executable, ERRORS_OURS, cwd=tmp_path / case)
    expected = buildbot_errors(buildbot_python, tmp_path / case)
    if case == "broken_syntax":
        # Buildbot's message quotes the loader's own frames; compare its first line only.
        assert ours[0].splitlines()[0] == expected[0]
        assert 'File "./master.cfg", line 7' in ours[0]
    else:
        assert ours == expected
