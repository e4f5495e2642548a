"""/ws: a client subscribed to builds/*/* and steps/*/* receives, during a build, the event
keys Buildbot 4.3 sends (compared with shared/reference/rest/ws-session-builds-steps.jsonl)."""

import json
import re

from websockets.sync.client import connect

from conftest import SHARED
from test_force_build import force


def normalized(key):
    return re.sub(r"/\d+", "/N", key)


def test_build_and_step_events(master, worker):
    if worker != "oxbot-worker":
        return
    url = master.web_url.replace("http://", "ws://") + "/ws"
    with connect(url) as ws:
        ws.send(json.dumps({"cmd": "startConsuming", "path": "builds/*/*", "_id": 1}))
        ws.send(json.dumps({"cmd": "startConsuming", "path": "steps/*/*", "_id": 2}))
        ws.send(json.dumps({"cmd": "ping", "_id": 3}))
        replies = [json.loads(ws.recv(timeout=10)) for _ in range(3)]
        assert replies == [
            {"msg": "OK", "code": 200, "_id": 1},
            {"msg": "OK", "code": 200, "_id": 2},
            {"msg": "pong", "code": 200, "_id": 3},
        ]
        build = force(master, "runtests")
        keys = set()
        while True:
            frame = json.loads(ws.recv(timeout=30))
            assert "code" not in frame
            keys.add(normalized(frame["k"]))
            if frame["k"] == f"builds/{build['buildid']}/finished":
                assert frame["m"]["results"] == 0
                assert set(frame["m"]) == set(master.get(f"builds/{build['buildid']}")["builds"][0])
                break
    expected = set()
    for line in (SHARED / "reference" / "rest" / "ws-session-builds-steps.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["dir"] == "recv" and "k" in record["frame"]:
            expected.add(normalized(record["frame"]["k"]))
    assert keys == expected
