"""JSON-RPC control actions with a real buildbot-worker (rest-api.md 7.4): rebuild, cancel of a
pending build request, pause/unpause, graceful stop and kill of a worker, disabling a scheduler; and `/sse` receiving
the events of a build and of the control actions."""

import json
import queue
import threading
import time
import urllib.request

import pytest

from conftest import _start_buildbot_worker, _start_oxbot_worker, master_fixture, run, start_master

CFG = """\
from buildbot.plugins import *

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['schedulers'] = [
    schedulers.ForceScheduler(
        name="force", builderNames=["quick", "other", "slow"],
        properties=[util.StringParameter(name="myprop", default="")]),
]
quick = util.BuildFactory()
quick.addStep(steps.ShellCommand(command=util.Interpolate("echo quick %(prop:myprop)s")))
slow = util.BuildFactory()
slow.addStep(steps.ShellCommand(command="echo started; sleep 3"))
c['builders'] = [
    util.BuilderConfig(name="quick", workernames=["example-worker"], factory=quick),
    util.BuilderConfig(name="other", workernames=["example-worker"], factory=quick),
    util.BuilderConfig(name="slow", workernames=["example-worker"], factory=slow),
]
c['buildbotURL'] = "http://localhost:8010/"
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""

master = master_fixture(CFG)


@pytest.fixture
def worker(master, tmp_path):
    """A real buildbot-worker, connected; yields its basedir."""
    basedir = tmp_path / "worker"
    stop_cmd = _start_buildbot_worker(basedir, master.worker_port)
    wait_connected(master, True)
    yield basedir
    run(stop_cmd)


def wait_connected(master, connected):
    return master.wait_for(
        lambda: (lambda w: w if bool(w["connected_to"]) == connected else None)(
            master.get("workers/example-worker")["workers"][0]
        ),
        "the worker to " + ("connect" if connected else "disconnect"),
    )


def builderid(master, name):
    return next(b["builderid"] for b in master.get("builders")["builders"] if b["name"] == name)


def force(master, name, **params):
    """Forces a build; returns (bsid, brid)."""
    bid = builderid(master, name)
    reply = master.post("forceschedulers/force", "force", {"builderid": str(bid), "reason": "test", **params})
    bsid, brids = reply["result"]
    return bsid, brids[str(bid)]


def finished_build(master, brid):
    def done():
        builds = master.get(f"buildrequests/{brid}/builds")["builds"]
        return builds[0] if builds and builds[0]["complete"] else None

    return master.wait_for(done, f"the build of request {brid} to finish")


class Sse:
    """An /sse stream read in a thread: the handshake uuid, then decoded events."""

    def __init__(self, master, path):
        self.response = urllib.request.urlopen(master.web_url + path, timeout=60)
        assert self.response.headers["Content-Type"] == "text/event-stream"
        self.events = queue.Queue()
        self.uuid = None
        first = self._read_event()
        assert first[0] == "handshake", first
        self.uuid = first[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _read_event(self):
        name = data = None
        while True:
            line = self.response.readline().decode()
            if not line:
                return None
            line = line.rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data = line[len("data: "):]
            elif line == "" and name:
                return name, data

    def _run(self):
        try:
            while True:
                event = self._read_event()
                if event is None:
                    return
                self.events.put(json.loads(event[1]))
        except (OSError, ValueError):
            # The stream was closed by the test (or the master went away).
            return

    def wait_key(self, key, timeout=60):
        """The first event whose key (joined with `/`) is `key`; earlier events are dropped."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                event = self.events.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if "/".join(event["key"]) == key:
                return event["message"]
        raise AssertionError(f"no /sse event {key}")

    def close(self):
        self.response.close()


def test_rebuild_a_finished_build(master, worker):
    bsid, brid = force(master, "quick", myprop="one")
    build = finished_build(master, brid)
    assert build["results"] == 0
    reply = master.post(f"builds/{build['buildid']}", "rebuild", {})
    new_bsid, new_brids = reply["result"]
    assert list(new_brids) == [str(build["builderid"])], reply
    buildset = master.get(f"buildsets/{new_bsid}")["buildsets"][0]
    original = master.get(f"buildsets/{bsid}")["buildsets"][0]
    assert buildset["reason"] == "rebuild"
    assert buildset["rebuilt_buildid"] == build["buildid"]
    assert [s["ssid"] for s in buildset["sourcestamps"]] == [s["ssid"] for s in original["sourcestamps"]]
    props = master.get(f"buildsets/{new_bsid}/properties")["properties"][0]
    assert props["myprop"] == ["one", "Force Build Form"]
    rebuilt = finished_build(master, new_brids[str(build["builderid"])])
    assert rebuilt["results"] == 0 and rebuilt["number"] == build["number"] + 1
    # The rebuild of a rebuild points at the first build of the chain; by builder and number.
    reply = master.post(f"builders/{build['builderid']}/builds/{rebuilt['number']}", "rebuild", {})
    again = master.get(f"buildsets/{reply['result'][0]}")["buildsets"][0]
    assert again["rebuilt_buildid"] == build["buildid"]
    finished_build(master, reply["result"][1][str(build["builderid"])])
    # An unknown build is not found (Buildbot 4.3 answers 500 here).
    assert master.post("builds/999", "rebuild", {})["error"]["code"] == -32600


def test_pause_cancel_unpause(master, worker):
    sse = Sse(master, "/sse/listen/workers/*/*")
    urllib.request.urlopen(f"{master.web_url}/sse/add/{sse.uuid}/buildrequests/*/cancel").read()
    reply = master.post("workers/example-worker", "pause", {"reason": "maintenance window"})
    assert reply == {"id": 1, "jsonrpc": "2.0", "result": None}
    state = sse.wait_key("workers/1/state_updated")
    assert (state["paused"], state["pause_reason"]) == (True, "maintenance window")
    w = master.get("workers/1")["workers"][0]
    assert (w["paused"], w["pause_reason"], w["graceful"]) == (True, "maintenance window", False)
    assert master.get("workers?paused=true")["meta"]["total"] == 1

    bsid_a, brid_a = force(master, "quick")
    bsid_b, brid_b = force(master, "other")
    time.sleep(3)
    for brid in (brid_a, brid_b):
        request = master.get(f"buildrequests/{brid}")["buildrequests"][0]
        assert not request["claimed"] and not request["complete"], request
        assert master.get(f"buildrequests/{brid}/builds")["builds"] == []

    reply = master.post(f"buildrequests/{brid_b}", "cancel", {"reason": "not needed"})
    assert reply["result"] is None, reply
    cancel = sse.wait_key(f"buildrequests/{brid_b}/cancel")
    # Buildbot 4.3 sends null here (its model is not serialisable); oxbot sends the request.
    assert cancel["buildrequestid"] == brid_b and cancel["results"] == 6
    request = master.get(f"buildrequests/{brid_b}")["buildrequests"][0]
    assert (request["complete"], request["results"]) == (True, 6)
    buildset = master.get(f"buildsets/{bsid_b}")["buildsets"][0]
    assert (buildset["complete"], buildset["results"]) == (True, 6)
    # Cancelling a complete request changes nothing.
    assert master.post(f"buildrequests/{brid_b}", "cancel", {})["result"] is None

    # Buildbot 4.3 answers 500 to set_priority.
    assert master.post(f"buildrequests/{brid_a}", "set_priority", {"priority": 7})["result"] is None
    assert master.get(f"buildrequests/{brid_a}")["buildrequests"][0]["priority"] == 7

    assert master.post("workers/1", "unpause", {})["result"] is None
    state = sse.wait_key("workers/1/state_updated")
    assert (state["paused"], state["pause_reason"]) == (False, None)
    assert finished_build(master, brid_a)["results"] == 0
    assert master.get(f"buildrequests/{brid_b}/builds")["builds"] == []
    sse.close()


def test_cancel_a_running_request_stops_its_build(master, worker):
    _, brid = force(master, "slow")
    master.wait_for(lambda: master.get(f"buildrequests/{brid}/builds")["builds"], "the build to start")
    assert master.post(f"buildrequests/{brid}", "cancel", {"reason": "enough"})["result"] is None
    build = finished_build(master, brid)
    assert build["results"] == 6 and build["state_string"].startswith("cancelled (enough)"), build


def test_graceful_stop_after_the_running_build(master, worker):
    _, brid = force(master, "slow")
    master.wait_for(lambda: master.get(f"buildrequests/{brid}/builds")["builds"], "the build to start")
    assert master.post("workers/example-worker", "stop", {"reason": "shutdown"})["result"] is None
    w = master.get("workers/1")["workers"][0]
    assert w["graceful"] is True and w["connected_to"], w
    build = finished_build(master, brid)
    assert build["results"] == 0
    w = wait_connected(master, False)
    assert w["graceful"] is True
    # The worker process exited (its pid file is gone).
    master.wait_for(lambda: not (worker / "twistd.pid").exists(), "the worker process to exit")


def test_kill_disconnects_the_worker(master, worker):
    assert master.post("workers/1", "kill", {"reason": "gone"})["result"] is None
    wait_connected(master, False)
    master.wait_for(lambda: not (worker / "twistd.pid").exists(), "the worker process to exit")
    # An unknown worker is not found (Buildbot 4.3 answers 500).
    reply = master.post("workers/nosuch", "kill", {})
    assert reply["error"] == {"code": -32600, "message": "worker not found"}


def test_kill_stops_an_oxbot_worker_too(master, tmp_path):
    basedir = tmp_path / "oxbot-worker"
    stop_cmd = _start_oxbot_worker(basedir, master.worker_port)
    try:
        wait_connected(master, True)
        assert master.post("workers/example-worker", "kill", {})["result"] is None
        wait_connected(master, False)
        master.wait_for(lambda: not (basedir / "twistd.pid").exists(), "the oxbot-worker process to exit")
    finally:
        run(stop_cmd)


def test_sse_receives_build_events(master, worker):
    sse = Sse(master, "/sse/listen/builds/*/*")
    _, brid = force(master, "quick")
    new = sse.wait_key("builds/1/new")
    assert new["buildrequestid"] == brid and new["complete"] is False
    finished = sse.wait_key("builds/1/finished")
    assert finished["complete"] is True and finished["results"] == 0
    reply = urllib.request.urlopen(f"{master.web_url}/sse/remove/{sse.uuid}/builds/*/*")
    assert reply.read() == b"ok"
    sse.close()


def test_a_disabled_scheduler_adds_no_buildsets(tmp_path):
    cfg = CFG + (
        "c['schedulers'].append(schedulers.Periodic("
        "name='tick', builderNames=['quick'], periodicBuildTimer=1))\n"
    )
    m = start_master(tmp_path, cfg)
    try:
        sse = Sse(m, "/sse/listen/schedulers/*/*")
        tick = next(s for s in m.get("schedulers")["schedulers"] if s["name"] == "tick")
        path = f"schedulers/{tick['schedulerid']}"
        m.wait_for(lambda: m.get("buildsets")["meta"]["total"] > 0, "a buildset from the periodic scheduler")
        assert m.post(path, "enable", {"enabled": False})["result"] is None
        event = sse.wait_key(f"{path}/updated")
        assert (event["name"], event["enabled"]) == ("tick", False)
        assert m.get(path)["schedulers"][0]["enabled"] is False
        time.sleep(1.5)
        before = m.get("buildsets")["meta"]["total"]
        time.sleep(3)
        assert m.get("buildsets")["meta"]["total"] == before
        assert m.post(path, "enable", {"enabled": "yes"})["error"]["code"] == -32602
        assert m.post(path, "enable", {"enabled": True})["result"] is None
        assert sse.wait_key(f"{path}/updated")["enabled"] is True
        m.wait_for(lambda: m.get("buildsets")["meta"]["total"] > before, "a buildset once enabled again")
        sse.close()
    finally:
        m.stop()
