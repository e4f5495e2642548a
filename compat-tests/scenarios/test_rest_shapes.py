"""Resources have the fields and value types of Buildbot 4.3's, compared with responses
captured from a real Buildbot 4.3 master (shared/reference/rest/get)."""

import json

import pytest

from conftest import SHARED
from test_force_build import force

CAPTURES = SHARED / "reference" / "rest" / "get"


def shape(value):
    """The JSON type of a value, with the shape of objects' fields."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "null"


def compatible(ours, theirs):
    """Same keys; values of the same type where both are set (null may stand for any)."""
    if set(ours) != set(theirs):
        return False
    for key in ours:
        a, b = ours[key], theirs[key]
        if "null" in (a, b):
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            if not compatible(a, b):
                return False
        elif a != b:
            return False
    return True


CASES = [
    ("builders.json", "builders"),
    ("builds.json", "builds"),
    ("builds_1_steps.json", "builds/{buildid}/steps"),
    ("logs_1.json", "logs/{logid}"),
    ("logs_1_contents.json", "logs/{logid}/contents"),
    ("workers.json", "workers"),
    ("masters.json", "masters"),
    ("buildrequests.json", "buildrequests"),
    ("buildsets.json", "buildsets"),
    ("sourcestamps.json", "sourcestamps"),
    ("forceschedulers.json", "forceschedulers"),
]


def test_resource_fields_match_buildbot(master, worker):
    if worker != "oxbot-worker":
        pytest.skip("the shapes do not depend on the worker")
    build = force(master, "runtests")
    step = master.get(f"builds/{build['buildid']}/steps")["steps"][-1]
    log = master.get(f"steps/{step['stepid']}/logs")["logs"][0]
    for capture, path in CASES:
        ours = master.get(path.format(buildid=build["buildid"], logid=log["logid"]))
        theirs = json.loads((CAPTURES / capture).read_text())
        key = next(k for k in theirs if k != "meta")
        assert set(ours) == {key, "meta"}, path
        ours_item, theirs_item = shape(ours[key][0]), shape(theirs[key][0])
        assert compatible(ours_item, theirs_item), (path, ours_item, theirs_item)
