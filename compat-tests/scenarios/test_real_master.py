"""oxbot-worker against the real Buildbot 4.3 master (msgpack protocol): a passing, a failing
and a stopped build, the transfer and directory steps, and a worker killed mid-build, checked
through Buildbot's own REST API."""

import json
import os
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BUILDBOT_WORKER, OXBOT_WORKER, run

BUILDBOT = BUILDBOT_WORKER.parent / "buildbot"

MASTER_CFG = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("w1", "pass")]
c['protocols'] = {'msgpack_experimental_v7': {'port': %(worker_port)d}}
c['schedulers'] = [schedulers.ForceScheduler(
    name="force", builderNames=["ok", "fails", "slow", "transfers", "sleepy"])]
def factory(command):
    f = util.BuildFactory()
    f.addStep(steps.ShellCommand(command=command, env={"GREETING": "hello"}))
    return f
c['builders'] = [
    util.BuilderConfig(name="ok", workernames=["w1"], factory=factory("echo $GREETING; echo err >&2")),
    util.BuilderConfig(name="fails", workernames=["w1"], factory=factory(["sh", "-c", "exit 3"])),
    util.BuilderConfig(name="slow", workernames=["w1"], factory=factory("echo started; sleep 60")),
    util.BuilderConfig(name="sleepy", workernames=["w1"], factory=factory("sleep 4")),
]
t = util.BuildFactory()
t.addStep(steps.SetPropertyFromCommand(command="echo from-worker", property="said"))
t.addStep(steps.MakeDirectory(dir="build/made"))
t.addStep(steps.ShellCommand(command="test -d made && echo data > made/a.txt && echo up > up.txt"))
t.addStep(steps.FileUpload(workersrc="up.txt", masterdest="uploaded.txt"))
t.addStep(steps.DirectoryUpload(workersrc="made", masterdest="uploaded_dir"))
t.addStep(steps.FileDownload(mastersrc="master.cfg", workerdest="down.cfg"))
t.addStep(steps.StringDownload("some text", workerdest="string.txt"))
t.addStep(steps.ShellCommand(command="test -f down.cfg && test -f string.txt"))
t.addStep(steps.RemoveDirectory(dir="build/made"))
t.addStep(steps.ShellCommand(command="test ! -e made"))
c['builders'].append(util.BuilderConfig(name="transfers", workernames=["w1"], factory=t))
c['www'] = dict(port=%(web_port)d)
c['db'] = {'db_url': "sqlite:///state.sqlite"}
c['buildbotNetUsageData'] = None
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RealMaster:
    def __init__(self, basedir: Path):
        self.basedir = basedir
        self.url = None

    def api(self, path, method=None, params=None):
        if method is None:
            req = urllib.request.Request(self.url + path)
        else:
            body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params or {}, "id": 1}).encode()
            req = urllib.request.Request(self.url + path, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def wait(self, predicate, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def real_master(tmp_path):
    if not BUILDBOT.exists():
        pytest.fail(f"buildbot not found at {BUILDBOT}; run .ci/run or set BUILDBOT_WORKER next to it")
    basedir = tmp_path / "bbmaster"
    assert run([BUILDBOT, "create-master", "-q", basedir]).returncode == 0
    worker_port, web_port = free_port(), free_port()
    (basedir / "master.cfg").write_text(MASTER_CFG % {"worker_port": worker_port, "web_port": web_port})
    result = run([BUILDBOT, "start", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    master = RealMaster(basedir)
    master.url = f"http://127.0.0.1:{web_port}/api/v2/"
    master.worker_port = worker_port
    yield master
    run([BUILDBOT, "stop", basedir])


def test_oxbot_worker_builds_on_buildbot_master(real_master, tmp_path):
    wdir = tmp_path / "oxworker"
    assert run([OXBOT_WORKER, "create-worker", wdir, f"127.0.0.1:{real_master.worker_port}", "w1", "pass"]).returncode == 0
    assert run([OXBOT_WORKER, "start", wdir]).returncode == 0
    try:
        real_master.wait(lambda: any(w["connected_to"] for w in real_master.api("workers")["workers"]), "the worker")
        builders = {b["name"]: b["builderid"] for b in real_master.api("builders")["builders"]}

        def build_of(name):
            _, brids = real_master.api("forceschedulers/force", "force", {"builderid": str(builders[name])})["result"]
            brid = list(brids.values())[0]
            return real_master.wait(
                lambda: (real_master.api(f"buildrequests/{brid}/builds")["builds"] or [None])[0], f"a build of {name}"
            )

        def finished(build):
            return real_master.wait(
                lambda: (lambda b: b if b["complete"] else None)(real_master.api(f"builds/{build['buildid']}")["builds"][0]),
                "the build to finish",
            )

        ok = finished(build_of("ok"))
        assert ok["results"] == 0, ok
        step = real_master.api(f"builds/{ok['buildid']}/steps")["steps"][-1]
        chunks = real_master.api(f"steps/{step['stepid']}/logs/stdio/contents")["logchunks"]
        content = "".join(c["content"] for c in chunks)
        assert "ohello\n" in content and "eerr\n" in content
        assert "hprogram finished with exit code 0\n" in content

        fails = finished(build_of("fails"))
        assert fails["results"] == 2

        slow = build_of("slow")
        real_master.wait(
            lambda: any(s["name"] == "shell" and s["started_at"] for s in real_master.api(f"builds/{slow['buildid']}/steps")["steps"]),
            "the slow step",
        )
        time.sleep(1)
        real_master.api(f"builds/{slow['buildid']}", "stop", {"reason": "enough"})
        stopped = finished(slow)
        assert stopped["results"] == 6

        transfers = finished(build_of("transfers"))
        steps = real_master.api(f"builds/{transfers['buildid']}/steps")["steps"]
        assert [s["results"] for s in steps] == [0] * len(steps), steps
        props = real_master.api(f"builds/{transfers['buildid']}/properties")["properties"][0]
        assert props["said"][0] == "from-worker"
        assert (real_master.basedir / "uploaded.txt").read_text() == "up\n"
        assert (real_master.basedir / "uploaded_dir" / "a.txt").read_text() == "data\n"

        # A worker killed mid-build: Buildbot ends the build RETRY and builds the request
        # again once the worker is back.
        sleepy = build_of("sleepy")
        real_master.wait(
            lambda: any(s["name"] == "shell" and s["started_at"] for s in real_master.api(f"builds/{sleepy['buildid']}/steps")["steps"]),
            "the sleepy step",
        )
        os.kill(int((wdir / "twistd.pid").read_text()), signal.SIGKILL)
        assert finished(sleepy)["results"] == 5
        assert run([OXBOT_WORKER, "start", wdir]).returncode == 0
        again = real_master.wait(
            lambda: [b for b in real_master.api(f"buildrequests/{sleepy['buildrequestid']}/builds")["builds"] if b["complete"]][1:],
            "the retried build",
        )
        assert again[0]["results"] == 0, again
    finally:
        run([OXBOT_WORKER, "stop", wdir])
