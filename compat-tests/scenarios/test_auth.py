"""Auth and authz on the web port: the same master.cfg (UserPasswordAuth, and an Authz that
lets only the role `admins`, given by RolesFromUsername, force builds) runs on oxbot and on a
real Buildbot 4.3 master from the venv; the same requests, each master with its own cookie
jar, get the same statuses and bodies: anonymous force denied, Basic login, the
TWISTED_SESSION cookie carried across requests, an admin's force accepted with the admin as
owner, logout, and the Origin check."""

import base64
import json
import socket
import urllib.error
import urllib.request

import pytest

from conftest import BUILDBOT_WORKER, Master, OXBOT, run

BUILDBOT = BUILDBOT_WORKER.parent / "buildbot"

CFG = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': %(worker_port)r}}
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["runtests"])]
f = util.BuildFactory()
f.addStep(steps.ShellCommand(command=["true"]))
c['builders'] = [util.BuilderConfig(name="runtests", workernames=["example-worker"], factory=f)]
c['title'] = "Auth"
c['buildbotURL'] = %(url)r
%(auth_class)s
c['www'] = dict(
    port=%(web_port)r,
    auth=%(auth)s,
    authz=util.Authz(
        allowRules=[util.ForceBuildEndpointMatcher(role="admins")],
        roleMatchers=[util.RolesFromUsername(roles=["admins"], usernames=%(admins)r)],
    ),
)
c['db'] = {'db_url': "sqlite:///state.sqlite"}
c['buildbotNetUsageData'] = None
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


USERS = 'util.UserPasswordAuth({"admin": "s3cret", "bob": "bobpw"})'

# A CustomAuth as Buildbot's docs show it: check_credentials gets bytes.
CUSTOM_AUTH = """\
from buildbot.www.auth import CustomAuth
class TeamAuth(CustomAuth):
    def check_credentials(self, user, password):
        if user == b"crash":
            raise RuntimeError("the directory is down")
        return user in (b"admin", b"bob") and password == user[::-1]
"""


def write_config(basedir, worker_port, web_port=None, admins=("admin",), auth=USERS):
    web_port = web_port or free_port()
    url = f"http://127.0.0.1:{web_port}/"
    (basedir / "master.cfg").write_text(CFG % {
        "worker_port": worker_port, "web_port": f"tcp:{web_port}:interface=127.0.0.1", "url": url,
        "admins": list(admins), "auth": auth,
        "auth_class": CUSTOM_AUTH if auth != USERS else "",
    })
    return url


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One browser-like client of one master: its own session cookie, no redirects followed."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.session = None

    def send(self, path, body=None, headers=None, method="GET"):
        headers = dict(headers or {})
        if self.session:
            headers["Cookie"] = f"TWISTED_SESSION={self.session}"
        req = urllib.request.Request(self.url + path, data=body, headers=headers, method=method)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            resp = opener.open(req, timeout=30)
        except urllib.error.HTTPError as err:
            resp = err
        with resp:
            text = resp.read().decode()
            for cookie in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                assert name == "TWISTED_SESSION", cookie
                self.session = rest.split(";")[0]
            return resp.status, resp.headers, text

    def rpc(self, path, method, params, headers=None):
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1}).encode()
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
        status, _, text = self.send("/api/v2/" + path, body, headers, "POST")
        return status, text

    def config(self):
        status, headers, text = self.send("/config")
        assert status == 200 and headers["Content-Type"] == "application/json", (status, text)
        return json.loads(text)

    def login(self, user, password, redirect="/builders"):
        credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
        return self.send(f"/auth/login?redirect={redirect}",
                         headers={"Authorization": f"Basic {credentials}"})


def start_both(tmp, auth=USERS):
    """Both masters from the same config; yields their Masters, and stops them."""
    if not BUILDBOT.exists():
        pytest.fail(f"buildbot not found at {BUILDBOT}; run .ci/run")
    bb_dir = tmp / "bbmaster"
    assert run([BUILDBOT, "create-master", "-q", bb_dir]).returncode == 0
    bb_url = write_config(bb_dir, free_port(), auth=auth)
    result = run([BUILDBOT, "start", bb_dir])
    assert result.returncode == 0, result.stdout + result.stderr
    ox_dir = tmp / "master"
    assert run([OXBOT, "create-master", ox_dir]).returncode == 0
    ox_url = write_config(ox_dir, "tcp:0:interface=127.0.0.1", auth=auth)
    oxbot = Master(ox_dir)
    try:
        oxbot.start()
        yield Masters({"oxbot": ox_url, "buildbot": bb_url}, oxbot, bb_dir)
    finally:
        oxbot.stop()
        run([BUILDBOT, "stop", bb_dir])


@pytest.fixture(scope="module")
def masters(tmp_path_factory):
    yield from start_both(tmp_path_factory.mktemp("auth"))


class Masters:
    """The web URLs of both masters by name, the oxbot Master (to restart it) and the
    Buildbot master's directory."""

    def __init__(self, urls, oxbot, bb_dir):
        self.urls = urls
        self.oxbot = oxbot
        self.bb_dir = bb_dir

    def reconfig(self, admins):
        """Both masters take a config whose `admins` role has these users."""
        for name, basedir in (("oxbot", self.oxbot.basedir), ("buildbot", self.bb_dir)):
            text = (basedir / "master.cfg").read_text()
            port = int(self.urls[name].rsplit(":", 1)[1].strip("/"))
            worker_port = "tcp:0:interface=127.0.0.1"
            if name == "buildbot":
                worker_port = int(text.split("'port': ", 1)[1].split("}", 1)[0])
            write_config(basedir, worker_port, port, admins)
        result = run([OXBOT, "reconfig", self.oxbot.basedir])
        assert result.returncode == 0, result.stdout + result.stderr + self.oxbot.log()
        result = run([BUILDBOT, "reconfig", self.bb_dir])
        assert result.returncode == 0, result.stdout + result.stderr


def on_both(masters, action):
    """Runs `action(client)` with a fresh client of each master; returns {name: result}."""
    return {name: action(Client(url)) for name, url in masters.urls.items()}


def test_anonymous_force_is_denied_alike(masters):
    answers = on_both(masters, lambda c: c.rpc("forceschedulers/force", "force", {}))
    assert answers["oxbot"] == answers["buildbot"]
    assert answers["oxbot"] == (403, '{"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, '
                                     '"message": "you need to have role \'admins\'"}}')


def test_config_is_buildbots(masters):
    """/config: the same keys and values, but for the URL and the port (each master has its
    own, shown as written) and the versions (the embedded Python's first, then Buildbot's or
    oxbot's)."""

    def config(client):
        config = client.config()
        assert config.pop("buildbotURL") == client.url + "/"
        port = client.url.rsplit(":", 1)[1]
        assert config.pop("port") == f"tcp:{port}:interface=127.0.0.1"
        versions = config.pop("versions")
        assert versions[0][0] == "Python" and versions[0][1].startswith("3."), versions
        return config, versions[1][0]

    answers = on_both(masters, config)
    assert answers["oxbot"][0] == answers["buildbot"][0]
    assert (answers["oxbot"][1], answers["buildbot"][1]) == ("oxbot", "Buildbot")


def test_login_challenge_and_wrong_password(masters):
    def challenge(client):
        status, headers, text = client.send("/auth/login")
        wrong = client.login("admin", "nope")
        challenges = ", ".join(headers.get_all("WWW-Authenticate") or [])
        return status, text, challenges, wrong[0], wrong[2]

    answers = on_both(masters, challenge)
    for name in answers:
        status, text, authenticate, wrong_status, wrong_text = answers[name]
        assert (status, text) == (401, "Unauthorized")
        assert (wrong_status, wrong_text) == (401, "Unauthorized")
        # Buildbot offers Digest and Basic, oxbot Basic only: the Basic challenge is the same.
        assert 'basic realm="buildbot"' in authenticate, (name, authenticate)


def test_admin_session_forces_and_logout_ends_it(masters):
    def scenario(client):
        out = {"config_before": client.config()["user"]}
        status, headers, text = client.login("admin", "s3cret")
        out["login"] = (status, headers["Location"].replace(client.url, "URL"), text)
        admin_session = client.session
        config = client.config()
        out["config"] = {k: config[k] for k in ("user", "auth", "authz", "buildbotURL", "title")}
        out["config"]["buildbotURL"] = out["config"]["buildbotURL"].replace(client.url, "URL")
        status, text = client.rpc("forceschedulers/force", "force", {"reason": "by admin"})
        out["force"] = status
        bsid = json.loads(text)["result"][0]
        props = client.send(f"/api/v2/buildsets/{bsid}/properties")
        out["owner"] = json.loads(props[2])["properties"][0].get("owner")
        buildset = json.loads(client.send(f"/api/v2/buildsets/{bsid}")[2])["buildsets"][0]
        out["reason"] = buildset["reason"]
        status, headers, text = client.send("/auth/logout?redirect=/about")
        out["logout"] = (status, headers["Location"].replace(client.url, "URL"), text)
        out["config_after"] = client.config()["user"]
        out["force_after"] = client.rpc("forceschedulers/force", "force", {})
        # The old admin cookie still works (the session is in the signed cookie, not the server).
        client.session = admin_session
        out["old_cookie"] = client.config()["user"]
        return out

    answers = on_both(masters, scenario)
    assert answers["oxbot"] == answers["buildbot"]
    got = answers["oxbot"]
    assert got["config_before"] == {"anonymous": True}
    assert got["login"] == (302, "URL/#/builders", "")
    assert got["config"]["user"] == {"username": "admin", "email": "admin"}
    assert got["config"]["auth"] == {"name": "UserPasswordAuth"}
    assert got["force"] == 200
    assert got["owner"] == ["admin", "Force Build Form"]
    assert got["logout"] == (302, "URL/#/about", "")
    assert got["config_after"] == {"anonymous": True}
    assert got["force_after"][0] == 403


def test_digest_login(masters):
    """Buildbot also offers Digest (MD5, qop=auth): urllib's Digest handler logs in."""

    def scenario(client):
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, client.url, "admin", "s3cret")
        opener = urllib.request.build_opener(
            urllib.request.HTTPDigestAuthHandler(passwords), NoRedirect)
        try:
            opener.open(client.url + "/auth/login?redirect=/workers", timeout=30)
            raise AssertionError("no redirect")
        except urllib.error.HTTPError as err:
            status = err.code
            location = err.headers["Location"].replace(client.url, "URL")
            cookies = err.headers.get_all("Set-Cookie")
        client.session = cookies[-1].split("=", 1)[1].split(";")[0]
        wrong = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        wrong.add_password(None, client.url, "admin", "nope")
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(wrong))
        try:
            opener.open(client.url + "/auth/login", timeout=30)
            wrong_status = 200
        except urllib.error.HTTPError as err:
            wrong_status = err.code
        return status, location, client.config()["user"], wrong_status

    answers = on_both(masters, scenario)
    assert answers["oxbot"] == answers["buildbot"]
    assert answers["oxbot"] == (302, "URL/#/workers", {"username": "admin", "email": "admin"}, 401)


def test_a_user_without_the_role_is_denied(masters):
    def scenario(client):
        assert client.login("bob", "bobpw")[0] == 302
        return client.config()["user"], client.rpc("forceschedulers/force", "force", {})

    answers = on_both(masters, scenario)
    assert answers["oxbot"] == answers["buildbot"]
    assert answers["oxbot"][1][0] == 403


def test_foreign_origin_is_refused(masters):
    def scenario(client):
        evil = {"Origin": "http://evil.example"}
        post = client.rpc("forceschedulers/force", "force", {}, headers=evil)
        get = client.send("/api/v2/builders", headers=evil)
        own = client.send("/api/v2/builders", headers={"Origin": client.url})
        return post, get[0], get[2], own[0], own[1].get("Access-Control-Allow-Origin") == client.url

    answers = on_both(masters, scenario)
    assert answers["oxbot"] == answers["buildbot"]
    assert answers["oxbot"] == ((400, '{"error": {"message": "invalid origin"}}'), 400,
                                '{"error": "invalid origin"}', 200, True)


def test_sessions_outlive_a_restart(masters):
    """The signing key is kept in the database (object `www`, state `session_secret`), as
    Buildbot keeps it, so a restart logs no one out."""
    client = Client(masters.urls["oxbot"])
    assert client.login("admin", "s3cret")[0] == 302
    masters.oxbot.restart()
    assert client.config()["user"] == {"username": "admin", "email": "admin"}
    status, text = client.rpc("forceschedulers/force", "force", {})
    assert status == 200, text
    # A cookie signed with another key is anonymous.
    signature = "AAAA" if not client.session.endswith("AAAA") else "BBBB"
    client.session = client.session[:-4] + signature
    assert client.config()["user"] == {"anonymous": True}


def test_authz_follows_reconfig(masters):
    """A reconfig that gives bob the role lets his session force, on both masters; the
    session survives it."""

    def force_as_bob(client):
        assert client.login("bob", "bobpw")[0] == 302
        return client

    clients = on_both(masters, force_as_bob)
    try:
        masters.reconfig(admins=("admin", "bob"))
        answers = {name: c.rpc("forceschedulers/force", "force", {})[0]
                   for name, c in clients.items()}
        assert answers == {"oxbot": 200, "buildbot": 200}
    finally:
        masters.reconfig(admins=("admin",))
    answers = {name: c.rpc("forceschedulers/force", "force", {})[0] for name, c in clients.items()}
    assert answers == {"oxbot": 403, "buildbot": 403}


def test_custom_auth_calls_check_credentials(tmp_path):
    """A CustomAuth subclass's check_credentials decides Basic logins (Buildbot offers no
    Digest for it); an exception in it is a 500 on both."""
    masters = start_both(tmp_path, auth="TeamAuth()")
    both = next(masters)
    try:
        def scenario(client):
            status, headers, _ = client.send("/auth/login")
            challenges = headers.get_all("WWW-Authenticate")
            wrong = client.login("admin", "admin")[0]
            crash = client.login("crash", "x")[0]
            good = client.login("admin", "nimda")[0]
            config = client.config()
            force = client.rpc("forceschedulers/force", "force", {})[0]
            return status, challenges, wrong, crash, good, config["user"], config["auth"], force

        answers = on_both(both, scenario)
        assert answers["oxbot"] == answers["buildbot"]
        assert answers["oxbot"] == (401, ['basic realm="buildbot"'], 401, 500, 302,
                                    {"username": "admin", "email": "admin"},
                                    {"name": "TeamAuth"}, 200)
    finally:
        next(masters, None)
