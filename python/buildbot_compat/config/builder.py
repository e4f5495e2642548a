"""``BuilderConfig`` (Buildbot's ``config/builder.py``), with Buildbot's argument checks."""

import re

from buildbot_compat import _describe
from buildbot_compat.config.errors import error

RESERVED_UNDERSCORE_NAMES = ["__Janitor"]


def safeTranslate(s):
    """Buildbot's rule for directory names made from builder names."""
    return re.sub(r"[^A-Za-z0-9\-_.]", "_", s)


class BuilderConfig(_describe.Described):
    def __init__(self, name=None, workername=None, workernames=None, builddir=None,
                 workerbuilddir=None, factory=None, tags=None, nextWorker=None, nextBuild=None,
                 locks=None, env=None, properties=None, collapseRequests=None, description=None,
                 description_format=None, canStartBuild=None, defaultProperties=None,
                 project=None, do_build_if=None, **legacy):
        from buildbot_compat import _legacy
        from buildbot_compat.process.factory import BuildFactory

        legacy = _legacy.builder_kwargs(legacy)
        workernames = legacy.pop("workernames", workernames)
        workername = legacy.pop("workername", workername)
        workerbuilddir = legacy.pop("workerbuilddir", workerbuilddir)
        nextWorker = legacy.pop("nextWorker", nextWorker)
        tags = legacy.pop("tags", tags)
        collapseRequests = legacy.pop("collapseRequests", collapseRequests)
        for key in legacy:
            error(f"BuilderConfig got an unexpected keyword argument '{key}'")

        if not name or not isinstance(name, (bytes, str)):
            error("builder's name is required")
            name = "<unknown>"
        elif name[0] == "_" and name not in RESERVED_UNDERSCORE_NAMES:
            error(f"builder names must not start with an underscore: {name!r}")
        self.name = name.decode("ascii") if isinstance(name, bytes) else name

        if not isinstance(project, (type(None), str)):
            error("builder project must be None or str")
            project = None
        self.project = project

        if factory is None:
            error(f"builder {self.name!r}: has no factory")
        elif not isinstance(factory, BuildFactory):
            error(f"builder {self.name!r}: factory is not a BuildFactory instance")
        self.factory = factory

        if isinstance(workernames, str):
            workernames = [workernames]
        if workernames:
            if not isinstance(workernames, list):
                error(f"builder {self.name!r}: workernames must be a list or a string")
        else:
            workernames = []
        if workername:
            if not isinstance(workername, str):
                error(f"builder {self.name!r}: workername must be a string but it is {workername!r}")
            workernames = [*workernames, workername]
        if not workernames:
            error(f"builder {self.name!r}: at least one workername is required")
        self.workernames = workernames

        if builddir is None:
            builddir = safeTranslate(self.name)
        self.builddir = builddir
        self.workerbuilddir = workerbuilddir if workerbuilddir is not None else builddir

        if tags:
            if not isinstance(tags, list):
                error(f"builder {self.name!r}: tags must be a list")
            elif any(not isinstance(tag, str) for tag in tags):
                error(f"builder {self.name!r}: tags list contains something that is not a string")
            elif len(tags) != len(set(tags)):
                dupes = " ".join({x for x in tags if tags.count(x) > 1})
                error(f"builder {self.name!r}: tags list contains duplicate tags: {dupes}")
        else:
            tags = []
        self.tags = tags

        for attr, fn in (("nextWorker", nextWorker), ("nextBuild", nextBuild), ("canStartBuild", canStartBuild)):
            if fn and not callable(fn):
                error(f"{attr} must be a callable")
        self.nextWorker = nextWorker
        self.nextBuild = nextBuild
        self.canStartBuild = canStartBuild
        self.locks = locks or []
        self.env = env or {}
        if not isinstance(self.env, dict):
            error("builder's env must be a dictionary")
        self.properties = properties or {}
        self.defaultProperties = defaultProperties or {}
        self.collapseRequests = collapseRequests
        if description is not None and not isinstance(description, str):
            error("BuilderConfig argument description must be a str or None")
        self.description = description
        if description_format not in (None, "markdown"):
            error('builder description format must be None or "markdown"')
        self.description_format = description_format
        self.do_build_if = do_build_if

    def _describe(self):
        from buildbot_compat.process.factory import BuildFactory

        factory = self.factory._describe() if isinstance(self.factory, BuildFactory) else {"steps": [], "unsupported_kind": None}
        v = _describe.value
        return {
            "name": self.name,
            "workernames": list(self.workernames),
            "builddir": self.builddir,
            "workerbuilddir": self.workerbuilddir,
            "tags": list(self.tags),
            "description": self.description,
            "project": self.project,
            "properties": v(self.properties),
            "default_properties": v(self.defaultProperties),
            "env": v(self.env),
            "collapse_requests": v(self.collapseRequests),
            "next_worker": v(self.nextWorker),
            "next_build": v(self.nextBuild),
            "can_start_build": v(self.canStartBuild),
            "locks": v(self.locks),
            "factory": factory,
        }
