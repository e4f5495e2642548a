"""The official UI (buildbot-www 4.3 with the waterfall, console and grid plugins) served by
oxbot, driven in Debian's headless chromium by compat-tests/ui/ui.js (playwright-core with
executablePath): home, builders, a builder, a build and its log while it runs (the page updates
itself from /ws), workers, changes, waterfall, console, grid, a worker, a change, a build
request, pending build requests, masters, schedulers, settings, about (the versions and the API
description from /api/v2/application.spec), and the force dialog submitted (the UI then follows
the new build). Screenshots are kept in compat-tests/ui/screenshots/.

oxbot finds the UI packages in the Python it embeds; here they are in the virtualenv
compat-tests/.venv-ui (made by .ci/run from that Python) named by VIRTUAL_ENV, as a user
would run `oxbot start` with that virtualenv activated."""

import json
import os
import re
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import OXBOT, ROOT, Master, _start_oxbot_worker, run

UI_DIR = ROOT / "compat-tests" / "ui"
VENV_UI = ROOT / "compat-tests" / ".venv-ui"
SCREENSHOTS = UI_DIR / "screenshots"
CHROMIUM = shutil.which("chromium")
NODE = shutil.which("node")
CHANGE = "Make the UI test green"

CFG = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['schedulers'] = [
    schedulers.ForceScheduler(name="force", builderNames=["runtests", "slow"]),
    schedulers.AnyBranchScheduler(name="all", builderNames=["runtests"]),
]
quick = util.BuildFactory()
quick.addStep(steps.ShellCommand(name="hello", command="echo hello from the UI test"))
slow = util.BuildFactory()
slow.addStep(steps.ShellCommand(name="count",
                                command="for i in $(seq 1 400); do echo line $i; sleep 0.3; done"))
c['builders'] = [
    util.BuilderConfig(name="runtests", workernames=["example-worker"], factory=quick),
    util.BuilderConfig(name="slow", workernames=["example-worker"], factory=slow),
]
c['title'] = "UI test"
c['buildbotURL'] = "http://127.0.0.1:%(port)d/"
c['www'] = dict(port='tcp:%(port)d:interface=127.0.0.1', change_hook_dialects={'base': True},
                plugins=%(plugins)s)
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""
PLUGINS = "dict(waterfall_view={}, console_view={}, grid_view={})"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_master(tmp_path, plugins=PLUGINS):
    basedir = tmp_path / "master"
    result = run([OXBOT, "create-master", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    (basedir / "master.cfg").write_text(CFG % {"port": free_port(), "plugins": plugins})
    return Master(basedir)


def fetch(url):
    """(status, content type, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type"), err.read().decode()


@pytest.fixture
def ui_master(tmp_path, monkeypatch):
    if not (VENV_UI / "bin" / "python").exists():
        pytest.skip("no compat-tests/.venv-ui (buildbot-www and the plugins for oxbot's Python); run .ci/run")
    monkeypatch.setenv("VIRTUAL_ENV", str(VENV_UI))
    master = create_master(tmp_path)
    master.start()
    yield master
    master.stop()


def test_the_index_and_the_packages_files_are_buildbots(ui_master):
    status, ctype, body = fetch(ui_master.web_url + "/")
    assert status == 200 and ctype == "text/html"
    config = re.search(r'<script id="bb-config">\n    window.buildbotFrontendConfig = (.*);\n</script>', body)
    assert config, body
    config = json.loads(config.group(1))
    assert config["plugins"] == {"waterfall_view": {}, "console_view": {}, "grid_view": {}}
    assert config["title"] == "UI test" and config["user"] == {"anonymous": True}
    assert "PLACEHOLDER" not in body and "--bb-sidebar-background-color: #30426a;" in body
    # The hashed bundle the index names is served from buildbot-www's static directory.
    script = re.search(r'src="\./(assets/index-[^"]+\.js)"', body).group(1)
    assert fetch(ui_master.web_url + "/" + script)[:2] == (200, "text/javascript")
    status, ctype, _ = fetch(ui_master.web_url + "/plugins/waterfall_view/styles.css")
    assert (status, ctype) == (200, "text/css")
    assert fetch(ui_master.web_url + "/plugins/")[0] == 404
    assert fetch(ui_master.web_url + "/plugins/badges/x.svg")[0] == 404
    assert fetch(ui_master.web_url + "/assets/../index.html")[0] == 404
    assert "serving the official UI (buildbot-www)" in ui_master.log()


def test_every_page_of_the_official_ui_works(ui_master, tmp_path):
    for what, present in [("chromium (Debian package)", CHROMIUM), ("node", NODE),
                          ("compat-tests/ui/node_modules (npm ci)", (UI_DIR / "node_modules" / "playwright-core").is_dir())]:
        if not present:
            pytest.skip(f"no {what}; run .ci/run")
    m = ui_master
    _start_oxbot_worker(tmp_path / "worker", m.worker_port)
    m.wait_for(lambda: any(w["connected_to"] for w in m.get("workers")["workers"]), "the worker")
    builders = {b["name"]: b["builderid"] for b in m.get("builders")["builders"]}

    # A change (built by runtests through the AnyBranchScheduler) for changes, console and grid.
    body = urllib.parse.urlencode({
        "author": "Alice <alice@example.org>", "comments": CHANGE, "revision": "abc123",
        "branch": "master", "project": "demo", "repository": "https://example.org/repo.git",
        "files": '["README"]',
    }).encode()
    with urllib.request.urlopen(m.web_url + "/change_hook/base", data=body, timeout=30) as resp:
        assert resp.status == 200
    first = m.wait_for(lambda: [b for b in m.get(f"builders/{builders['runtests']}/builds")["builds"]
                                if b["complete"]], "the change's build")[0]
    # A build that runs (and logs) while the pages are looked at.
    reply = m.post("forceschedulers/force", "force", {"builderid": builders["slow"]})
    assert "result" in reply, reply
    slow = m.wait_for(lambda: [b for b in m.get(f"builders/{builders['slow']}/builds")["builds"]
                               if not b["complete"]], "the slow build to start")[0]

    def slow_log_has_lines():
        # The build is listed before its step and the step's log exist: a 404 means "not yet".
        try:
            return "line 3" in m.get_raw(f"builders/{builders['slow']}/builds/{slow['number']}/steps/1/logs/stdio/contents")
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return False
            raise
    m.wait_for(slow_log_has_lines, "the slow build's first lines")

    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({
        "base": m.web_url + "/", "chromium": CHROMIUM, "screenshots": str(SCREENSHOTS),
        "runtests": {"id": builders["runtests"], "number": first["number"],
                     "buildrequestid": first["buildrequestid"]},
        "slow": {"id": builders["slow"], "number": slow["number"]},
        "change": CHANGE, "changeid": m.get("changes")["changes"][0]["changeid"],
        "worker": "example-worker", "workerid": m.get("workers")["workers"][0]["workerid"],
    }))
    result = run([NODE, UI_DIR / "ui.js", plan], cwd=UI_DIR, timeout=300)
    pages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    report = result.stdout + result.stderr
    assert pages and pages[-1].get("done"), report
    assert [p["page"] for p in pages[:-1]] == [
        "home", "builders", "builder", "build-live", "log-live", "workers", "changes",
        "waterfall", "console", "grid", "worker", "change", "buildrequest",
        "pendingbuildrequests", "masters", "schedulers", "settings", "about", "force"], report
    failed = [p for p in pages[:-1] if not p["ok"]]
    assert not failed, report + "\n--- twistd.log (end) ---\n" + m.log()[-5000:]
    assert result.returncode == 0, report
    for page in pages[:-1]:
        assert (SCREENSHOTS / f"{page['page']}.png").stat().st_size > 1000
    # The force dialog made a build of runtests, owned by the anonymous UI user.
    forced = [b for b in m.get(f"builders/{builders['runtests']}/builds")["builds"] if b["number"] > 1]
    assert forced and forced[0]["complete"], forced


def test_a_plugin_not_installed_stops_the_start_naming_its_package(tmp_path):
    master = create_master(tmp_path, plugins="dict(no_such_view={})")
    result = run([OXBOT, "start", master.basedir])
    assert result.returncode != 0, result.stdout
    assert 'could not find www plugin "no_such_view"; is it installed?' in master.log()
    assert "pip install buildbot-no-such-view" in master.log()


def test_without_buildbot_www_oxbots_own_page_is_served(tmp_path, monkeypatch):
    # A virtualenv of another Python version is not used: the embedded Python's own packages
    # are all oxbot sees.
    monkeypatch.setenv("VIRTUAL_ENV", str(ROOT / "compat-tests" / ".venv"))
    master = create_master(tmp_path, plugins="{}")
    master.start()
    try:
        if "serving the official UI" in master.log():
            pytest.skip("buildbot-www is installed in the Python oxbot embeds")
        assert "buildbot-www is not installed in oxbot's Python" in master.log()
        assert "VIRTUAL_ENV has no lib/python" in master.log()
        status, _, body = fetch(master.web_url + "/")
        assert status == 200 and "<title>oxbot</title>" in body
        assert fetch(master.web_url + "/assets/x.js")[0] == 404
    finally:
        master.stop()


def test_plugins_follow_reconfig(tmp_path, monkeypatch):
    if not (VENV_UI / "bin" / "python").exists():
        pytest.skip("no compat-tests/.venv-ui (buildbot-www and the plugins for oxbot's Python); run .ci/run")
    monkeypatch.setenv("VIRTUAL_ENV", str(VENV_UI))
    master = create_master(tmp_path, plugins="{}")
    master.start()
    try:
        cfg = master.basedir / "master.cfg"
        grid = master.web_url + "/plugins/grid_view/scripts.js"
        assert fetch(grid)[0] == 404
        cfg.write_text(cfg.read_text().replace("plugins={}", "plugins={'grid_view': {}}"))
        result = run([OXBOT, "reconfig", master.basedir])
        assert result.returncode == 0, result.stdout + result.stderr + master.log()
        assert fetch(grid)[0] == 200
        assert '"plugins": {"grid_view": {}}' in fetch(master.web_url + "/")[2]
        # A plugin not installed: the error names its package, the plugins in force stay.
        cfg.write_text(cfg.read_text().replace("plugins={'grid_view': {}}", "plugins={'no_such_view': {}}"))
        run([OXBOT, "reconfig", master.basedir])
        master.wait_for(lambda: "keeps its previous www plugins" in master.log(), "the reconfig")
        assert "pip install buildbot-no-such-view" in master.log()
        assert fetch(grid)[0] == 200
    finally:
        master.stop()
