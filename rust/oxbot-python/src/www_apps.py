"""Finds the web UI packages (entry points of group ``buildbot.www``: ``base`` is buildbot-www,
the others are plugins such as ``waterfall_view``) in the embedded Python's environment, without
importing them (their ``__init__`` imports Buildbot's ``www.plugin``, which oxbot does not run).
Returns JSON: the Python's description and, per entry point name, the package's ``static``
directory, its distribution and version. The first one found on ``sys.path`` wins, as imports do.

The installed distributions are read as ``importlib.metadata`` reads them (``*.dist-info`` then
``*.egg-info`` directories of each ``sys.path`` entry, the first of a name wins), without
importing it: it and what it imports (email, zipfile, csv, pathlib, typing...) would stay in the
master's memory, about 1.7 MB, for this one search."""

import importlib.util
import json
import os
import re
import sys

GROUP = "buildbot.www"


class _EntryPoint:
    def __init__(self, name, value, dist_name, version):
        self.name = name
        self.value = value
        self.dist_name = dist_name
        self.version = version


def _headers(path):
    """``Name`` and ``Version`` of a METADATA or PKG-INFO file."""
    found = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                key, sep, value = line.partition(":")
                if sep and key in ("Name", "Version") and key not in found:
                    found[key] = value.strip()
    except OSError:
        pass
    return found.get("Name"), found.get("Version")


def _group(path):
    """``(name, value)`` of the entry points of group ``GROUP`` in an entry_points.txt."""
    section, out = None, []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line or line[0] in "#;":
                    continue
                if line.startswith("[") and line.endswith("]"):
                    section = line[1:-1].strip()
                elif section == GROUP and "=" in line:
                    name, _, value = line.partition("=")
                    out.append((name.strip(), value.strip()))
    except OSError:
        pass
    return out


def _entry_points():
    seen = set()
    for base in sys.path:
        try:
            names = os.listdir(base or ".")
        except OSError:
            continue
        for suffix, metadata in ((".dist-info", "METADATA"), (".egg-info", "PKG-INFO")):
            for entry in names:
                info = os.path.join(base or ".", entry)
                if not entry.endswith(suffix) or not os.path.isdir(info):
                    continue
                dist_name, version = _headers(os.path.join(info, metadata))
                key = re.sub(r"[-_.]+", "_", (dist_name or entry.rsplit("-", 1)[0]).lower())
                if key in seen:
                    continue
                seen.add(key)
                for name, value in _group(os.path.join(info, "entry_points.txt")):
                    yield _EntryPoint(name, value, dist_name, version)


def find():
    apps = {}
    for ep in _entry_points():
        if ep.name in apps:
            continue
        module = ep.value.split(":", 1)[0].strip()
        app = {
            "module": module,
            "distribution": ep.dist_name,
            "version": ep.version,
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
