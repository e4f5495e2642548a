"""Public real-world configs (compat-tests/realworld/): each loads on oxbot as on Buildbot 4.3,
with only data fixtures next to it, and gives the same inventory (builders with tags and
worker names, workers, schedulers) as Buildbot 4.3's own loader.

Their sources are other projects' code, which this repository does not redistribute: they are
copied out of local git mirrors by `compat-tests/realworld/fetch` (nothing is fetched at test
time). Without them the comparison is skipped, saying so; the script and the result of its last
run are documented in compat-tests/README.md."""

import json
import os
import sys

import pytest

from conftest import OXBOT, ROOT, run, start_master
from test_inventory import reference_inventory, shared_case

REALWORLD = ROOT / "compat-tests" / "realworld"
NAMES = ["octave", "openvpn", "dolphin", "metabbotcfg", "sfml"]


@pytest.mark.parametrize("name", NAMES)
def test_realworld_config_loads_with_buildbots_inventory(tmp_path, name):
    if not (REALWORLD / ".sources" / name).is_dir():
        pytest.skip(f"no compat-tests/realworld/.sources/{name}: other projects' code is not "
                    "redistributed here; run compat-tests/realworld/fetch MIRRORS first")
    if not (REALWORLD / ".venv").is_dir() or not (REALWORLD / ".pydeps").is_dir():
        pytest.skip("no compat-tests/realworld/.venv or .pydeps; run compat-tests/realworld/fetch")
    out = tmp_path / "result.json"
    env = dict(os.environ, OXBOT_BIN_DIR=str(OXBOT.parent))
    result = run([sys.executable, REALWORLD / "check", "--json", out, name], env=env, timeout=600)
    row = json.loads(out.read_text())[0]
    assert row["buildbot_loads"], result.stdout
    assert row["oxbot_loads"], result.stdout
    assert row["equal"], result.stdout


@pytest.mark.parametrize("case", ["c01_sample_style", "c03_locks_loops", "c06_split"])
def test_checkconfig_inventory_is_buildbots(tmp_path, case):
    """`oxbot checkconfig --inventory FILE`, which realworld/check compares, gives what
    Buildbot 4.3's loader gives (as test_inventory.py checks over REST)."""
    basedir = shared_case(case, tmp_path / "master")
    expected = reference_inventory(basedir)
    out = tmp_path / "inventory.json"
    result = run([OXBOT, "checkconfig", "--inventory", out, basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(out.read_text()) == expected


UNIX_WWW_CFG = """\
from buildbot.plugins import schedulers, util, worker
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("w", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['builders'] = [util.BuilderConfig(name="b", workernames=["w"], factory=util.BuildFactory())]
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["b"])]
c['www'] = {'port': 'unix:%s'}
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_a_unix_socket_web_port_loads_but_the_master_does_not_start(tmp_path):
    """SFML's www port: Buildbot listens on a unix socket; oxbot names it and does not start."""
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", "-q", basedir]).returncode == 0
    (basedir / "master.cfg").write_text(UNIX_WWW_CFG % (tmp_path / "www.sock"))
    check = run([OXBOT, "checkconfig", basedir])
    assert check.returncode == 0, check.stdout + check.stderr
    line = f"c['www']['port'] = 'unix:{tmp_path / 'www.sock'}' (oxbot's web server listens on TCP ports only"
    assert line in check.stdout + check.stderr
    start = run([OXBOT, "start", basedir])
    assert start.returncode != 0
    log = (basedir / "twistd.log").read_text() if (basedir / "twistd.log").exists() else ""
    assert line in start.stdout + start.stderr + log
    run([OXBOT, "stop", basedir])


DICT_KEYS_CFG = """\
from buildbot.plugins import schedulers, util, worker
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("w", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['builders'] = [util.BuilderConfig(name="b", workernames=["w"], factory=util.BuildFactory())]
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["b"])]
admins = {"user01": "secret"}
c['www'] = {
    'port': 'tcp:0:interface=127.0.0.1',
    'auth': util.UserPasswordAuth(admins),
    'authz': util.Authz(
        allowRules=[util.AnyControlEndpointMatcher(role="admins")],
        roleMatchers=[util.RolesFromUsername(roles=["admins"], usernames=admins.keys())]),
}
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_a_dict_keys_view_serves_as_the_list_buildbot_iterates(tmp_path):
    """octave-buildbot passes `RolesFromUsername(usernames=my_admins.keys())`: the master starts."""
    master = start_master(tmp_path, DICT_KEYS_CFG)
    try:
        assert master.get("builders")["builders"][0]["name"] == "b"
    finally:
        master.stop()
