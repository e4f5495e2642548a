"""Change hooks on the web port (`/change_hook/base`, `/github`, `/gitlab`): the same requests go
to oxbot and to a real Buildbot 4.3 master started from the venv, and both answer with the same
status and body and create the same changes (compared field by field at /api/v2/changes, ids
and creation times aside). On oxbot, a signed GitHub push also starts a build through a
SingleBranchScheduler, which the real buildbot-worker runs to SUCCESS."""

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import BUILDBOT_WORKER, OXBOT, Master, _start_buildbot_worker, run

BUILDBOT = BUILDBOT_WORKER.parent / "buildbot"

CFG = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {%(protocol)r: {'port': %(worker_port)r}}
c['schedulers'] = [
    schedulers.SingleBranchScheduler(name="on-main", change_filter=util.ChangeFilter(branch='main'),
                                     treeStableTimer=None, builderNames=["hooked"]),
]
f = util.BuildFactory()
f.addStep(steps.ShellCommand(command=["echo", util.Interpolate("built %%(prop:got_revision:-%%(src::revision)s)s")]))
c['builders'] = [util.BuilderConfig(name="hooked", workernames=["example-worker"], factory=f)]
c['www'] = dict(port=%(web_port)r,
                change_hook_dialects={'base': True,
                                      'github': {'secret': 's3cret', 'strict': True},
                                      'gitlab': {'secret': 'tok'}})
c['db'] = {'db_url': "sqlite:///state.sqlite"}
c['buildbotNetUsageData'] = None
%(change_source)s
"""

GITHUB_SHA = "5d41402abc4b2a76b9719d911017c592ae1d6a2f"
GITHUB_PUSH = {
    "ref": "refs/heads/main",
    "before": "0" * 40,
    "after": GITHUB_SHA,
    "created": False,
    "deleted": False,
    "forced": False,
    "compare": "https://github.com/acme/widget/compare/000000000000...5d41402abc4b",
    "repository": {
        "id": 1, "name": "widget", "full_name": "acme/widget",
        "html_url": "https://github.com/acme/widget",
        "clone_url": "https://github.com/acme/widget.git",
        "ssh_url": "git@github.com:acme/widget.git",
    },
    "pusher": {"name": "ada", "email": "ada@example.org"},
    "sender": {"login": "ada"},
    "commits": [
        {
            "id": "7c4a8d09ca3762af61e59520943dc26494f8941b",
            "distinct": True,
            "message": "First part\n\nwith a body",
            "timestamp": "2024-03-05T10:11:12+01:00",
            "url": "https://github.com/acme/widget/commit/7c4a8d09ca3762af61e59520943dc26494f8941b",
            "author": {"name": "Ada Lovelace", "email": "ada@example.org", "username": "ada"},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
            "added": ["new.txt"], "removed": ["old.txt"], "modified": ["README.md"],
        },
        {
            "id": GITHUB_SHA,
            "distinct": False,
            "message": "Second part",
            "timestamp": "2024-03-05T09:20:00Z",
            "url": f"https://github.com/acme/widget/commit/{GITHUB_SHA}",
            "author": {"name": "Ada Lovelace", "email": "ada@example.org", "username": "ada"},
            "committer": {"name": "Ada Lovelace", "email": "ada@example.org", "username": "ada"},
            "added": [], "removed": [], "modified": ["src/main.c"],
        },
    ],
}
GITHUB_PUSH["head_commit"] = GITHUB_PUSH["commits"][-1]

GITLAB_PUSH = {
    "object_kind": "push",
    "before": "9" * 40,
    "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    "ref": "refs/heads/release",
    "user_name": "Grace Hopper",
    "user_username": "grace",
    "user_email": "grace@example.org",
    "project": {"name": "widget", "path_with_namespace": "acme/widget",
                "web_url": "https://gitlab.example.org/acme/widget"},
    "repository": {"name": "widget", "url": "git@gitlab.example.org:acme/widget.git",
                   "homepage": "https://gitlab.example.org/acme/widget",
                   "git_http_url": "https://gitlab.example.org/acme/widget.git"},
    "commits": [
        {
            "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "message": "Fix the build\n",
            "timestamp": "2024-04-01T09:30:00+02:00",
            "url": "https://gitlab.example.org/acme/widget/-/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "author": {"name": "Grace Hopper", "email": "grace@example.org"},
            "added": ["a.txt"], "modified": ["Makefile"], "removed": [],
        }
    ],
    "total_commits_count": 1,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base_url, path, body=b"", headers=None, method="POST"):
    """Sends one request; returns (status, body text)."""
    req = urllib.request.Request(base_url + path, data=body if method != "GET" else None,
                                 headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def api(base_url, path):
    with urllib.request.urlopen(base_url + "/api/v2/" + path, timeout=30) as resp:
        return json.loads(resp.read())


class Both:
    """An oxbot master and a real Buildbot 4.3 master with the same master.cfg."""

    def __init__(self, oxbot: Master, buildbot_url: str):
        self.oxbot = oxbot
        self.urls = {"oxbot": oxbot.web_url, "buildbot": buildbot_url}

    def send(self, path, body=b"", headers=None, method="POST", same_body=True):
        """Sends the request to both; checks they answer alike (the status only, when
        `same_body` is false); returns oxbot's (status, body)."""
        answers = {name: request(url, path, body, headers, method) for name, url in self.urls.items()}
        if same_body:
            assert answers["oxbot"] == answers["buildbot"], answers
        else:
            assert answers["oxbot"][0] == answers["buildbot"][0], answers
        return answers["oxbot"]

    def changes(self, name):
        return api(self.urls[name], "changes")["changes"]

    def new_changes(self, since):
        """The changes each master made after `since` (counts), normalised for comparison."""
        out = {}
        for name in self.urls:
            changes = sorted(self.changes(name), key=lambda c: c["changeid"])[since[name]:]
            out[name] = [normalise(c) for c in changes]
        return out

    def counts(self):
        return {name: len(self.changes(name)) for name in self.urls}


def normalise(change):
    change = dict(change)
    for key in ("changeid", "parent_changeids"):
        change.pop(key)
    ss = dict(change.pop("sourcestamp"))
    for key in ("ssid", "created_at"):
        ss.pop(key)
    change["sourcestamp"] = ss
    return change


def start_real_buildbot(basedir):
    if not BUILDBOT.exists():
        pytest.fail(f"buildbot not found at {BUILDBOT}; run .ci/run")
    assert run([BUILDBOT, "create-master", "-q", basedir]).returncode == 0
    web_port, change_port = free_port(), free_port()
    (basedir / "master.cfg").write_text(CFG % {
        "protocol": "msgpack_experimental_v7", "worker_port": free_port(), "web_port": web_port,
        "change_source": f"c['change_source'] = [changes.PBChangeSource(port={change_port})]",
    })
    result = run([BUILDBOT, "start", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    return f"http://127.0.0.1:{web_port}", change_port


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hooks")
    bb_dir = tmp / "bbmaster"
    bb_url, change_port = start_real_buildbot(bb_dir)
    ox_dir = tmp / "master"
    assert run([OXBOT, "create-master", ox_dir]).returncode == 0
    (ox_dir / "master.cfg").write_text(CFG % {
        "protocol": "pb", "worker_port": "tcp:0:interface=127.0.0.1",
        "web_port": "tcp:0:interface=127.0.0.1", "change_source": "",
    })
    oxbot = Master(ox_dir)
    oxbot.start()
    stop_worker = _start_buildbot_worker(tmp / "worker", oxbot.worker_port)
    try:
        both = Both(oxbot, bb_url)
        both.change_port = change_port
        yield both
    finally:
        run(stop_worker)
        oxbot.stop()
        run([BUILDBOT, "stop", bb_dir])


def test_base_hook_creates_the_change_buildbot_creates(both):
    since = both.counts()
    form = urllib.parse.urlencode({
        "author": "Bob <bob@example.com>",
        "committer": "Carol <carol@example.com>",
        "comments": "Fix the frobnicator",
        "revision": "abc123def",
        "branch": "feature",
        "repository": "https://git.example.invalid/demo.git",
        "project": "demo",
        "category": "push",
        "revlink": "https://git.example.invalid/demo/commit/abc123def",
        "files": json.dumps(["src/frob.c", "README"]),
        "properties": json.dumps({"ticket": "T-42", "n": 3}),
        "when_timestamp": "1700000000",
        "codebase": "",
    }).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert both.send("/change_hook/base", form, headers) == (200, "1 change found")
    # Only the query string, and `/change_hook` alone meaning `base`.
    query = urllib.parse.urlencode({"comments": "via query", "who": "dave", "when": "1700000100.5"})
    assert both.send(f"/change_hook?{query}", b"") == (200, "1 change found")
    # A bare GET is a request like any other: one empty change.
    assert both.send("/change_hook/base", method="GET") == (200, "1 change found")
    # Bad input: 400 with the parser's message (Python's and serde's words differ), no change.
    status, text = both.send("/change_hook/base", b"files=%5Bnot+json", headers, same_body=False)
    assert (status, text) == (400, "files: expected ident at line 1 column 3")
    # A dialect the config does not enable.
    assert both.send("/change_hook/bitbucket", b"x=y", headers) == (
        400, "The dialect specified, 'bitbucket', wasn't whitelisted in change_hook")
    new = both.new_changes(since)
    assert len(new["oxbot"]) == 3
    assert new["oxbot"][0]["properties"] == {"ticket": ["T-42", "Change"], "n": [3, "Change"]}
    # The bare GET's change is dated "now" on each master.
    now = {name: changes[2].pop("when_timestamp") for name, changes in new.items()}
    assert abs(now["oxbot"] - now["buildbot"]) < 30, now
    assert new["oxbot"] == new["buildbot"]


def github_headers(body, secret="s3cret", event="push"):
    digest = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return {"Content-Type": "application/json", "X-GitHub-Event": event,
            "X-Hub-Signature": f"sha1={digest}"}


def test_signed_github_push_builds_and_wrong_signature_is_rejected(both):
    since = both.counts()
    body = json.dumps(GITHUB_PUSH).encode()
    # Wrong signature, missing signature (strict): rejected, nothing created.
    assert both.send("/change_hook/github", body, github_headers(body, secret="wrong")) == (
        400, "Hash mismatch")
    unsigned = {"Content-Type": "application/json", "X-GitHub-Event": "push"}
    assert both.send("/change_hook/github", body, unsigned) == (
        400, "Request has no required signature")
    assert both.counts() == since
    ping = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    assert both.send("/change_hook/github", ping, github_headers(ping, event="ping")) == (
        200, "no change found")
    # Signed: one change per commit, the same as Buildbot's.
    assert both.send("/change_hook/github", body, github_headers(body)) == (200, "2 change found")
    new = both.new_changes(since)
    assert [c["revision"] for c in new["oxbot"]] == [c["id"] for c in GITHUB_PUSH["commits"]]
    assert new["oxbot"] == new["buildbot"]

    # On oxbot, the SingleBranchScheduler on `main` builds the push, and the build succeeds.
    master = both.oxbot

    def buildset():
        for bs in master.get("buildsets")["buildsets"]:
            if bs["sourcestamps"][0]["revision"] == GITHUB_SHA and bs["complete"]:
                return bs
        return None

    bs = master.wait_for(buildset, "the build of the pushed commit", timeout=90)
    assert bs["results"] == 0, bs
    assert "on-main" in bs["reason"]
    requests = master.get(f"buildrequests?buildsetid={bs['bsid']}")["buildrequests"]
    builds = master.get(f"buildrequests/{requests[0]['buildrequestid']}/builds")["builds"]
    assert builds and builds[0]["results"] == 0, builds


def test_gitlab_push_with_token_and_wrong_token(both):
    since = both.counts()
    body = json.dumps(GITLAB_PUSH).encode()
    headers = {"Content-Type": "application/json", "X-Gitlab-Event": "Push Hook"}
    assert both.send("/change_hook/gitlab", body, dict(headers, **{"X-Gitlab-Token": "nope"})) == (
        400, "Invalid secret")
    assert both.counts() == since
    assert both.send("/change_hook/gitlab", body, dict(headers, **{"X-Gitlab-Token": "tok"})) == (
        200, "1 change found")
    new = both.new_changes(since)
    assert len(new["oxbot"]) == 1
    assert new["oxbot"] == new["buildbot"]


def test_sendchange_matches_buildbot_sendchange(both):
    """`oxbot sendchange` posts to the web port's base hook; `buildbot sendchange` talks PB to a
    PBChangeSource: the same arguments give the same change."""
    since = both.counts()
    args = ["--who", "Ada <ada@example.org>", "--repository", "https://git.example.invalid/r.git",
            "--project", "proj", "--branch", "topic", "--category", "cat", "--revision", "r123",
            "--property", "ticket:T-9", "--property", "lang:rust", "--comments", "sent by hand",
            "--when", "1700000500", "--revlink", "https://example.invalid/r123", "--vc", "git",
            "src/a.c", "docs/b.md"]
    web = both.oxbot.web_url.removeprefix("http://")
    result = run([OXBOT, "sendchange", "--master", web] + args)
    assert (result.returncode, result.stdout) == (0, "change sent successfully\n"), result.stderr
    result = run([BUILDBOT, "sendchange", "--master", f"127.0.0.1:{both.change_port}"] + args)
    assert result.returncode == 0, result.stdout + result.stderr
    new = both.new_changes(since)
    assert len(new["oxbot"]) == 1 and new["oxbot"][0]["files"] == ["src/a.c", "docs/b.md"]
    assert new["oxbot"] == new["buildbot"]
    # A master that does not answer: a clear failure.
    result = run([OXBOT, "sendchange", "--master", f"127.0.0.1:{free_port()}", "--who", "x"])
    assert result.returncode == 1 and result.stdout.startswith("change not sent:"), result.stdout


AUTH_CFG = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["b"])]
c['builders'] = [util.BuilderConfig(name="b", workernames=["example-worker"], factory=util.BuildFactory())]
c['www'] = dict(port='tcp:0:interface=127.0.0.1', change_hook_dialects=%(dialects)r,
                change_hook_auth=%(auth)r)
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_change_hook_auth_asks_for_basic_credentials(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", basedir]).returncode == 0
    (basedir / "changehook.passwd").write_text("hook:s3cret\n")
    (basedir / "master.cfg").write_text(AUTH_CFG % {
        "dialects": {"base": True}, "auth": ["file:changehook.passwd"]})
    master = Master(basedir)
    master.start()
    try:
        status, _ = request(master.web_url, "/change_hook/base", b"comments=x")
        assert status == 401
        bad = base64.b64encode(b"hook:wrong").decode()
        assert request(master.web_url, "/change_hook/base", b"comments=x",
                       {"Authorization": f"Basic {bad}"})[0] == 401
        assert master.get("changes")["changes"] == []
        good = base64.b64encode(b"hook:s3cret").decode()
        assert request(master.web_url, "/change_hook/base", b"comments=x",
                       {"Authorization": f"Basic {good}",
                        "Content-Type": "application/x-www-form-urlencoded"}) == (200, "1 change found")
        assert [c["comments"] for c in master.get("changes")["changes"]] == ["x"]
    finally:
        master.stop()


def test_hook_settings_oxbot_lacks_are_named(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", basedir]).returncode == 0
    (basedir / "master.cfg").write_text(AUTH_CFG % {
        "dialects": {"base": True, "bitbucket": True, "poller": {"allowed": []}}, "auth": ["unix"]})
    result = run([OXBOT, "checkconfig", basedir])
    assert "not supported yet by oxbot: change hook dialect 'bitbucket'" in result.stderr, result.stderr
    assert "not supported yet by oxbot: change hook dialect 'poller'" in result.stderr, result.stderr
    assert "change_hook_auth'] entry \"unix\"" in result.stderr, result.stderr
    result = run([OXBOT, "start", basedir])
    assert result.returncode != 0
    log = (basedir / "twistd.log").read_text()
    assert "not supported yet by oxbot: c['www']['change_hook_auth'] entry 'unix'" in log, log
    assert "web server listening" not in log


SECRET_CFG = """\
import os
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["b"])]
c['builders'] = [util.BuilderConfig(name="b", workernames=["example-worker"], factory=util.BuildFactory())]
c['secretsProviders'] = [secrets.SecretInAFile(dirname=os.path.join(basedir, "secrets"))]
c['www'] = dict(port='tcp:0:interface=127.0.0.1',
                change_hook_dialects={'github': {'secret': util.Secret('github_hook'), 'strict': True}})
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def test_github_secret_from_a_secrets_provider(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", basedir]).returncode == 0
    secrets = basedir / "secrets"
    secrets.mkdir()
    (secrets / "github_hook").write_text("from-a-file\n")
    (secrets / "github_hook").chmod(0o600)
    (basedir / "master.cfg").write_text(SECRET_CFG)
    master = Master(basedir)
    master.start()
    try:
        body = json.dumps(GITHUB_PUSH).encode()
        assert request(master.web_url, "/change_hook/github", body, github_headers(body)) == (
            400, "Hash mismatch")
        assert request(master.web_url, "/change_hook/github", body,
                       github_headers(body, secret="from-a-file")) == (200, "2 change found")
    finally:
        master.stop()


def test_dialects_follow_reconfig(tmp_path):
    basedir = tmp_path / "master"
    assert run([OXBOT, "create-master", basedir]).returncode == 0
    (basedir / "master.cfg").write_text(AUTH_CFG % {"dialects": {"base": True}, "auth": None})
    master = Master(basedir)
    master.start()
    try:
        body = json.dumps(GITLAB_PUSH).encode()
        headers = {"Content-Type": "application/json", "X-Gitlab-Token": "tok"}
        assert request(master.web_url, "/change_hook/gitlab", body, headers) == (
            400, "The dialect specified, 'gitlab', wasn't whitelisted in change_hook")
        (basedir / "master.cfg").write_text(AUTH_CFG % {
            "dialects": {"base": True, "gitlab": {"secret": "tok"}}, "auth": None})
        assert run([OXBOT, "reconfig", basedir]).returncode == 0, master.log()
        assert request(master.web_url, "/change_hook/gitlab", body, headers) == (200, "1 change found")
    finally:
        master.stop()
