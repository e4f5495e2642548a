"""The objects the build request distributor's hooks receive, made from the engine's JSON:
``nextWorker(builder, workers, request)``, ``nextBuild(builder, requests)``,
``canStartBuild(builder, workerforbuilder, request)``, ``c['prioritizeBuilders'](master,
builders)`` and ``collapseRequests(master, builder, request1, request2)``.

They carry Buildbot's attribute and method names (``builder.name``, ``builder.config.tags``,
``builder.getOldestRequestTime()``, ``wfb.worker.workername``, ``request.sources[''].branch``,
``request.properties``...). Methods that return Deferreds in Buildbot return fired ones here;
``master.data.get`` reads the data API through the engine. A worker's quarantine
(``putInQuarantine()``, ``resetQuarantine()``, ``quarantine_timeout``) is reported back to
the engine, which keeps a quarantined worker out of builds as Buildbot does.
"""

import json
from datetime import datetime, timezone

from buildbot_compat import _buildtime
from buildbot_compat._runtime import ChangeView, RuntimeProperties

# Buildbot's ``AbstractWorker`` quarantine bounds, in seconds.
QUARANTINE_INITIAL_TIMEOUT = 10
QUARANTINE_MAX_TIMEOUT = 60 * 60


def _datetime(epoch):
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)


class _Namespace:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


class BuilderView:
    """A ``Builder`` as the distributor's hooks see it."""

    def __init__(self, d, master):
        self.name = d["name"]
        self.master = master
        self._d = d
        self.config = _Namespace(
            name=d["name"], tags=list(d.get("tags") or []),
            workernames=list(d.get("workernames") or []),
            properties=dict(d.get("properties") or {}), description=d.get("description"),
            project=d.get("project"))
        # What is running: Buildbot keeps the running builds here; hooks test them for
        # emptiness or count them.
        self.building = [None] * int(d.get("building") or 0)
        self.old_building = {}

    def _fired(self, value):
        return _buildtime.succeed(value)

    def getBuilderId(self):
        return self._fired(self._d["builderid"])

    def getOldestRequestTime(self):
        return self._fired(_datetime(self._d.get("oldest_request_time")))

    def getNewestCompleteTime(self):
        return self._fired(_datetime(self._d.get("newest_complete_time")))

    def get_highest_priority(self):
        return self._fired(self._d.get("highest_priority"))

    def __repr__(self):
        return f"<Builder '{self.name!r}' at {id(self):d}>"


class WorkerView:
    """A ``Worker`` (``wfb.worker``): its name, info and properties, and its quarantine."""

    def __init__(self, d):
        self.name = self.workername = d["name"]
        self.info = RuntimeProperties(dict(d.get("info") or {}))
        self.properties = RuntimeProperties(dict(d.get("properties") or {}))
        self.quarantine_timeout = d.get("quarantine_timeout", QUARANTINE_INITIAL_TIMEOUT)
        self._in_quarantine = bool(d.get("in_quarantine"))
        self._entered = None

    @property
    def conn(self):
        raise NotImplementedError(
            "not supported yet by oxbot: a worker's connection (wfb.worker.conn) outside a build, "
            "e.g. to run a RemoteCommand from canStartBuild")

    def putInQuarantine(self):
        if self._in_quarantine:
            return
        self._in_quarantine = True
        self._entered = self.quarantine_timeout
        self.quarantine_timeout = min(self.quarantine_timeout * 2, QUARANTINE_MAX_TIMEOUT)

    def resetQuarantine(self):
        self.quarantine_timeout = QUARANTINE_INITIAL_TIMEOUT

    def _state(self):
        return {"quarantine_timeout": self.quarantine_timeout, "quarantined_for": self._entered}

    def __repr__(self):
        return f"<Worker {self.name!r}>"


class WorkerForBuilderView:
    """An ``AbstractWorkerForBuilder``: a worker as one builder uses it."""

    def __init__(self, d, builder):
        self.worker = WorkerView(d)
        self.builder = builder
        self._available = bool(d.get("available", True))

    def isAvailable(self):
        return self._available and not self.worker._in_quarantine

    def isBusy(self):
        return not self._available

    def __repr__(self):
        return f"<WorkerForBuilder builder={self.builder.name!r} worker={self.worker.name!r}>"


class SourceStampView:
    """A source stamp of a request (``request.sources[codebase]``)."""

    def __init__(self, d):
        self.ssid = d.get("ssid")
        self.codebase = d.get("codebase") or ""
        self.branch = d.get("branch")
        self.revision = d.get("revision")
        self.repository = d.get("repository") or ""
        self.project = d.get("project") or ""
        self.patch = d.get("patch")
        self.changes = [ChangeView(c) for c in d.get("changes") or []]
        self._d = d

    def asDict(self):
        return {k: v for k, v in self._d.items() if k != "changes"}

    asSSDict = asDict


class BuildRequestView:
    """A ``BuildRequest`` (what ``nextBuild``, ``nextWorker`` and ``canStartBuild`` get)."""

    def __init__(self, d, master):
        self.id = d["id"]
        self.bsid = d["bsid"]
        self.builderid = d.get("builderid")
        self.buildername = d.get("buildername")
        self.priority = d.get("priority", 0)
        self.submitted_at = self.submittedAt = d.get("submitted_at")
        self.waited_for = self.waitedFor = bool(d.get("waited_for"))
        self.reason = d.get("reason")
        self.master = master
        props = d.get("properties") or {}
        self.properties = RuntimeProperties({k: v[0] for k, v in props.items()})
        self.sources = {ss.get("codebase") or "": SourceStampView(ss)
                        for ss in d.get("sources") or []}

    def getSubmitTime(self):
        return self.submitted_at

    def __repr__(self):
        return f"<BuildRequest {self.id} on {self.buildername!r}>"


def _request_dict(d):
    """A request as the data API gives it to ``collapseRequests`` (times as datetimes)."""
    out = dict(d)
    for key in ("submitted_at", "complete_at", "claimed_at"):
        if out.get(key) is not None:
            out[key] = _datetime(out[key])
    return out


def _index(chosen, candidates):
    """Where the object a hook returned is among the ones it got; ``None`` when it returned
    nothing or something else (Buildbot then gives up for now, as here)."""
    for i, candidate in enumerate(candidates):
        if chosen is candidate:
            return i
    return None


def call(fn, hook, args_json, bridge):
    """Runs one hook; the answer as JSON ``{"result": ..., "workers": {name: state}}``."""
    args = json.loads(args_json)
    master = _buildtime.Master(_buildtime.Host(bridge))
    builder = BuilderView(args["builder"], master) if "builder" in args else None
    workers = []
    if hook == "nextWorker":
        workers = [WorkerForBuilderView(w, builder) for w in args["workers"]]
        request = BuildRequestView(args["request"], master)
        result = _index(_buildtime.resolve(fn(builder, list(workers), request)), workers)
    elif hook == "nextBuild":
        requests = [BuildRequestView(r, master) for r in args["requests"]]
        result = _index(_buildtime.resolve(fn(builder, list(requests))), requests)
    elif hook == "canStartBuild":
        workers = [WorkerForBuilderView(args["worker"], builder)]
        request = BuildRequestView(args["request"], master)
        result = bool(_buildtime.resolve(fn(builder, workers[0], request)))
    elif hook == "prioritizeBuilders":
        builders = [BuilderView(b, master) for b in args["builders"]]
        ordered = _buildtime.resolve(fn(master, list(builders)))
        if ordered is None:
            raise TypeError("prioritizeBuilders must return the list of builders to try")
        result = [b.name for b in ordered if any(b is known for known in builders)]
    elif hook == "collapseRequests":
        result = _buildtime.resolve(fn(master, builder, _request_dict(args["request1"]),
                                       _request_dict(args["request2"])))
        result = result is True
    else:
        raise ValueError(f"unknown distributor hook {hook!r}")
    return json.dumps({"result": result,
                       "workers": {w.worker.name: w.worker._state() for w in workers}})
