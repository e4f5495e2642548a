"""What a custom step sees while the engine runs it: ``self.build``, ``self.worker``, its logs,
and the bridge to the engine.

The engine runs a custom step (a ``BuildStep`` subclass with its own ``run()`` or old-style
hooks) on a thread of its own and passes a bridge object; every call into the build
(``runCommand``, ``addLog``, ``setProperty``...) is a JSON request over that bridge, answered
synchronously. So the Deferreds a step yields have always fired already, and
``@defer.inlineCallbacks`` and ``async def`` run straight through (``resolve``).
"""

import json
import types

from buildbot_compat.process.results import FAILURE

_STREAMS = {"o", "e", "h"}


def defer():
    """``twisted.internet.defer``: the real one when Twisted is installed, else the shim's."""
    from twisted.internet import defer as module

    return module


def succeed(value):
    return defer().succeed(value)


def resolve(value):
    """The value of something a step returned or yielded: a plain value, a Deferred that has
    fired, or a coroutine whose awaits all resolve at once."""
    # `inspect.iscoroutine` without importing inspect (with ast, dis, tokenize...), which a
    # master would keep in memory for this one check.
    if isinstance(value, types.CoroutineType):
        try:
            while True:
                waited = value.send(None)
                resolve(waited)
        except StopIteration as done:
            return resolve(done.value)
    if hasattr(value, "addCallbacks") and hasattr(value, "called"):
        outcome = []
        value.addCallbacks(lambda r: outcome.append((True, r)),
                           lambda f: outcome.append((False, f)))
        if not outcome:
            raise RuntimeError(
                "not supported yet by oxbot: a build step waiting on a Deferred that fires "
                "later (timers, network); only oxbot's build calls can be waited on")
        ok, result = outcome[0]
        if not ok:
            if hasattr(result, "raiseException"):
                result.raiseException()
            raise result
        return resolve(result)
    return value


class Host:
    """Requests to the engine for one running step."""

    def __init__(self, bridge):
        self._bridge = bridge

    def call(self, op, on_output=None, **fields):
        return json.loads(self._bridge.request(json.dumps({"op": op, **fields}), on_output))


def join_list(value):
    """Buildbot's ``util.join_list``: a description given as a string or a list of words."""
    if isinstance(value, (list, tuple)):
        return " ".join(str(word) for word in value)
    return str(value)


class BuildProperties:
    """The build's properties while it runs (``self.build.getProperties()``, ``props``)."""

    def __init__(self, build):
        self._build = build

    def _values(self):
        return self._build._host.call("properties")

    def getProperty(self, name, default=None):
        return self._values().get(name, default)

    def hasProperty(self, name):
        return name in self._values()

    has_key = hasProperty

    def __getitem__(self, name):
        return self._values()[name]

    def __contains__(self, name):
        return self.hasProperty(name)

    def setProperty(self, name, value, source, runtime=True):
        self._build.setProperty(name, value, source, runtime)

    def getProperties(self):
        return self

    def asDict(self):
        return {k: (v, "") for k, v in self._values().items()}

    def keys(self):
        return list(self._values())

    def render(self, value):
        return succeed(self._build.render_now(value))


class SourceStamp:
    """One source stamp of the build (``self.build.getAllSourceStamps()``)."""

    def __init__(self, fields):
        self.codebase = fields.get("codebase", "")
        self.branch = fields.get("branch")
        self.revision = fields.get("revision")
        self.repository = fields.get("repository", "")
        self.project = fields.get("project", "")
        self.patch = None
        self.changes = []

    def asDict(self):
        """Buildbot's ``asDict()``: the attributes and the patch's (none yet)."""
        return {"branch": self.branch, "revision": self.revision,
                "repository": self.repository, "project": self.project,
                "codebase": self.codebase, "patch_level": None, "patch_body": None,
                "patch_subdir": None, "patch_author": None, "patch_comment": None}


class _Named:
    def __init__(self, name):
        self.name = name


class Worker:
    """``self.worker`` (and ``self.build.workerforbuilder.worker``), with what the worker
    told about itself when it connected."""

    def __init__(self, name, info):
        self.name = self.workername = name
        self.info = info
        self.worker_environ = info.get("environ") or {}
        self.worker_system = info.get("system")
        self.worker_basedir = info.get("basedir")
        self.worker_commands = info.get("worker_commands") or {}


class WorkerForBuilder:
    def __init__(self, worker):
        self.worker = worker


class Builder:
    def __init__(self, name):
        self.name = name
        self.config = _Named(name)


class Build:
    """``self.build`` of a running custom step."""

    def __init__(self, host, context):
        self._host = host
        self.buildid = context["buildid"]
        self.number = context["number"]
        self.builder = Builder(context["builder_name"])
        self.workerforbuilder = WorkerForBuilder(
            Worker(context["workername"], context.get("worker_info") or {}))
        self.workdir = context["workdir"]
        self.env = context["env"]
        self.sources = [SourceStamp(ss) for ss in context["sourcestamps"]]
        self.properties = BuildProperties(self)

    def getProperties(self):
        return self.properties

    def getProperty(self, name, default=None):
        return self.properties.getProperty(name, default)

    def hasProperty(self, name):
        return self.properties.hasProperty(name)

    def setProperty(self, name, value, source, runtime=True):
        self._host.call("set_property", name=name, value=value, source=source)

    def getAllSourceStamps(self):
        return list(self.sources)

    def getSourceStamp(self, codebase=""):
        for ss in self.sources:
            if ss.codebase == codebase:
                return ss
        return None

    def addStepsAfterCurrentStep(self, step_factories):
        """Runs `step_factories` (steps, as in a factory) right after the current step."""
        self._add_steps(step_factories, at_end=False)

    def addStepsAfterLastStep(self, step_factories):
        """Runs `step_factories` after the build's last step."""
        self._add_steps(step_factories, at_end=True)

    def _add_steps(self, step_factories, at_end):
        from buildbot_compat import _describe

        steps = [_describe.value(getattr(s, "buildStep", lambda s=s: s)()) for s in step_factories]
        self._host.call("add_steps", steps=steps, at_end=at_end)

    def getWorkerName(self):
        return self.workerforbuilder.worker.workername

    def render(self, value):
        return succeed(self.render_now(value))

    def render_now(self, value):
        """Renders a value with the build's properties, at once."""
        from buildbot_compat import _describe
        from buildbot_compat.process.properties import _Renderable

        if isinstance(value, _Renderable):
            return self._host.call("render", value=_describe.value(value))
        if hasattr(value, "getRenderingFor"):
            return self.render_now(resolve(value.getRenderingFor(self.properties)))
        if isinstance(value, (list, tuple)):
            return type(value)(self.render_now(v) for v in value)
        if isinstance(value, dict):
            return {self.render_now(k): self.render_now(v) for k, v in value.items()}
        return value

    def _unsupported(name):
        def method(self, *args, **kwargs):
            raise NotImplementedError(f"not supported yet by oxbot: build.{name}()")
        method.__name__ = name
        return method

    stopBuild = _unsupported("stopBuild")
    buildFinished = _unsupported("buildFinished")
    del _unsupported


class DataConnector:
    """``self.master.data``: reads of the data API (``get``), as the REST API answers them."""

    def __init__(self, host):
        self._host = host

    def get(self, path, filters=None, fields=None, order=None, limit=None, offset=None):
        params = []
        for f in filters or []:
            params.append((f"{f.field}__{f.op}", [str(v) for v in f.values]))
        if fields:
            params.append(("field", list(fields)))
        if order:
            params.append(("order", list(order)))
        if limit is not None:
            params.append(("limit", [str(limit)]))
        if offset is not None:
            params.append(("offset", [str(offset)]))
        result = self._host.call("data_get", path=[str(p) for p in path], params=params)
        return succeed(result)


class Master:
    """``self.master``: its data API; any other use names itself as not supported yet."""

    def __init__(self, host):
        self.data = DataConnector(host)

    def __getattr__(self, name):
        raise NotImplementedError(f"not supported yet by oxbot: self.master.{name} in a build step")


class Log:
    """A log of a running step (``self.addLog()``, ``self.getLog()``): text goes to the engine
    in whole lines, and to the log's observers."""

    def __init__(self, step, name, log_type):
        self._step = step
        self.name = name
        self.type = log_type
        self._partial = {}
        self._observers = []
        self.finished = False

    def getName(self):
        return self.name

    def addObserver(self, observer):
        self._observers.append(observer)
        observer.setLog(self)

    def subscribe(self, receiver, catchup=False):
        self._observers.append(_Receiver(receiver))

    def _write(self, stream, text):
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        whole = self._partial.pop(stream, "") + text
        lines, _, rest = whole.rpartition("\n")
        if rest:
            self._partial[stream] = rest
        if lines or whole.endswith("\n"):
            self._send(stream, lines + "\n")

    def _send(self, stream, text):
        self._step._host.call("append_log", name=self.name, stream=stream, text=text)
        self.observe(stream, text)

    def observe(self, stream, text):
        """Gives output to the observers (the engine already stored it)."""
        for observer in self._observers:
            observer.gotData(stream, text)

    def addStdout(self, text):
        self._write("o", text)
        return succeed(None)

    def addStderr(self, text):
        self._write("e", text)
        return succeed(None)

    def addHeader(self, text):
        self._write("h", text)
        return succeed(None)

    def addContent(self, text):
        self._write("o", text)
        return succeed(None)

    def flush(self):
        for stream, rest in sorted(self._partial.items()):
            self._send(stream, rest + "\n")
        self._partial.clear()

    def finish(self):
        if not self.finished:
            self.flush()
            self.finished = True
            for observer in self._observers:
                observer.gotData(None, None)
        return succeed(None)

    def isFinished(self):
        return self.finished


class _Receiver:
    """A ``log.subscribe(fn)`` receiver, shaped as an observer."""

    def __init__(self, fn):
        self.fn = fn

    def gotData(self, stream, data):
        self.fn(stream, data)


class BuildStepFailed(Exception):
    """Raised by a step to end it FAILURE (Buildbot's ``buildstep.BuildStepFailed``)."""


def run(template, bridge):
    """Runs one custom step for the engine: a fresh copy of the configured step, started,
    run, summarised. Returns ``{"results", "summary"}``."""
    host = Host(bridge)
    step = template._build_copy()
    step._start_build_time(host)
    try:
        results = step._run_build_time()
    except BuildStepFailed:
        results = FAILURE
    step._running = False
    step.results = results
    for log in step._logs.values():
        log.finish()
    summary = resolve(step.getResultSummary())
    if not isinstance(summary, dict):
        raise TypeError("getResultSummary must return a dictionary")
    text = summary.get("step", "finished")
    if not isinstance(text, str):
        raise TypeError(f"step result string must be unicode (got {text!r})")
    return {"results": results, "summary": text}
