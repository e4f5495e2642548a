"""Finds the web UI packages (entry points of group ``buildbot.www``: ``base`` is buildbot-www,
the others are plugins such as ``waterfall_view``) in the embedded Python's environment, without
importing them (their ``__init__`` imports Buildbot's ``www.plugin``, which oxbot does not run).
Returns JSON: the Python's description and, per entry point name, the package's ``static``
directory, its distribution and version. The first one found on ``sys.path`` wins, as imports do."""

import gc
import importlib.util
import json
import os
import sys


def _entry_points():
    import importlib.metadata

    found = importlib.metadata.entry_points()
    if hasattr(found, "select"):
        return found.select(group="buildbot.www")
    return found.get("buildbot.www", [])


def find():
    # importlib.metadata and what it imports (email, zipfile, csv, pathlib...) serve this one
    # search: they are forgotten afterwards, so the master does not keep them in memory.
    before = set(sys.modules)
    try:
        return _find()
    finally:
        for name in set(sys.modules) - before:
            module = sys.modules.pop(name)
            parent, _, child = name.rpartition(".")
            if getattr(sys.modules.get(parent), child, None) is module:
                delattr(sys.modules[parent], child)
        gc.collect()


def _find():
    apps = {}
    for ep in _entry_points():
        if ep.name in apps:
            continue
        module = ep.value.split(":", 1)[0].strip()
        dist = getattr(ep, "dist", None)
        app = {
            "module": module,
            "distribution": dist.metadata["Name"] if dist is not None else None,
            "version": dist.version if dist is not None else None,
            "static_dir": None,
        }
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        for location in locations:
            static = os.path.join(location, "static")
            if os.path.isdir(static):
                app["static_dir"] = static
                break
        apps[ep.name] = app
    python = "Python %s (%s)" % (".".join(map(str, sys.version_info[:3])), sys.prefix)
    return json.dumps({"python": python, "apps": apps})
