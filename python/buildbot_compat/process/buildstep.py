"""``BuildStep``: the base of every step, with the settings all steps share.

A step object in a config is a description: its kind (Buildbot's class name), the common
settings and its own keyword arguments. A user subclass that overrides ``run()`` (or the old
``start()``) is described as kind ``Python`` with a handle on the object, for the engine to call.

At build time the engine runs such a step through ``_buildtime``: on a fresh copy of the
object (made as Buildbot makes one per build, by calling the class again with the arguments
the config gave), with ``self.build``, ``self.worker``, logs and remote commands working as in
Buildbot. ``ShellMixin`` and ``CommandMixin`` are here for the same reason.
"""

from buildbot_compat import _buildtime, _describe
from buildbot_compat._buildtime import BuildStepFailed, join_list, resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process import remotecommand
from buildbot_compat.process.logobserver import (  # noqa: F401 - Buildbot's module has them
    LogLineObserver,
    LogObserver,
    OutputProgressObserver,
)
from buildbot_compat.process.remotecommand import (  # noqa: F401
    RemoteCommand,
    RemoteShellCommand,
)
from buildbot_compat.process.results import (  # noqa: F401
    CANCELLED,
    EXCEPTION,
    FAILURE,
    RETRY,
    SKIPPED,
    SUCCESS,
    WARNINGS,
    statusToString,
)

COMMON_PARAMS = [
    "alwaysRun", "description", "descriptionDone", "descriptionSuffix", "doStepIf",
    "flunkOnFailure", "flunkOnWarnings", "haltOnFailure", "updateBuildSummaryPolicy",
    "hideStepIf", "locks", "logEncoding", "name", "progressMetrics", "useProgress",
    "warnOnFailure", "warnOnWarnings", "workdir",
]

_USER_HOOKS = ("run", "start", "commandComplete", "evaluateCommand", "createSummary", "setBuild")

# Attributes Buildbot renders before a step runs (plus each class's own `renderables`).
_BASE_RENDERABLES = ("description", "descriptionDone", "descriptionSuffix", "workdir")


# Arguments every 0.8 LoggingBuildStep took (Source steps included).
_LOGGING_STEP_PARAMS = {"logfiles", "lazylogfiles"}


def _user_defines(cls, name):
    """Whether a user class (one not from the shim) defines `name` before the shim's own."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("buildbot_compat."):
            return False
        if name in vars(klass):
            return True
    return False


class BuildStep(_describe.Described):
    name = "generic"
    description = None
    descriptionDone = None
    descriptionSuffix = None
    haltOnFailure = False
    flunkOnWarnings = False
    flunkOnFailure = True
    warnOnWarnings = False
    warnOnFailure = False
    updateBuildSummaryPolicy = None
    alwaysRun = False
    doStepIf = True
    hideStepIf = False
    locks = None
    workdir = None
    renderables = []
    parms = []

    # The step's own keyword arguments (those that are not common settings).
    _own_params = ()
    _required = ()
    # Steps oxbot only describes (the engine reports them as not supported yet) keep every
    # argument as their own.
    _accept_any = False

    def __new__(cls, *args, **kwargs):
        # Buildbot makes a new step object per build from the constructor's arguments.
        step = super().__new__(cls)
        step._factory_args = (args, dict(kwargs))
        return step

    def __init__(self, *args, **kwargs):
        own = {"args": list(args)} if args else {}
        for key in list(kwargs):
            if key in self._own_params or (self._accept_any and key not in COMMON_PARAMS):
                own[key] = kwargs.pop(key)
        for key in COMMON_PARAMS:
            if key in kwargs:
                setattr(self, key, kwargs.pop(key))
        for key in _LOGGING_STEP_PARAMS.intersection(kwargs):
            # 0.8 gave every LoggingBuildStep (source steps too) these; steps that no longer
            # take them only lose the extra log files.
            from buildbot_compat import _legacy

            _legacy.warn(f"DEPRECATED: '{type(self).__name__}({key}=...)' is an argument of 0.8 "
                         "LoggingBuildStep that this step no longer takes; oxbot ignores it")
            del kwargs[key]
        if kwargs and type(self)._kind() != "Python":
            error(f"{type(self)}.__init__ got unexpected keyword argument(s) {list(kwargs)}")
        self._args = own
        self._extra = kwargs
        for key in self._required:
            if own.get(key) is None:
                self._missing(key)
        if not isinstance(self.name, str) and not hasattr(self.name, "_describe"):
            error(f"BuildStep name must be a string or a renderable object: {self.name!r}")

    def _missing(self, key):
        error(f"{type(self).__name__}: argument {key} is required")

    # Built-in steps whose build-time behaviour is their Python (ShellSequence, CMake, SVN...):
    # described with their own kind and a handle, the engine runs them as custom steps.
    _runs_in_python = False

    @classmethod
    def _kind(cls):
        """Buildbot's class name for built-in steps; ``Python`` for a subclass with its own
        ``run()`` or ``start()``."""
        for klass in cls.__mro__:
            if any(hook in vars(klass) for hook in _USER_HOOKS) and \
                    not klass.__module__.startswith("buildbot_compat."):
                return "Python"
            if klass.__module__.startswith("buildbot_compat.") and issubclass(klass, BuildStep):
                return klass.__name__
        return "BuildStep"

    @classmethod
    def _builtin_kind(cls):
        """The shim step class a user subclass derives from (what ``super().run()`` runs);
        mixins don't count."""
        for klass in cls.__mro__:
            if klass.__module__.startswith("buildbot_compat.") and issubclass(klass, BuildStep):
                return klass.__name__
        return "BuildStep"

    def _describe(self):
        return self._description(type(self)._kind())

    def _description(self, kind):
        v = _describe.value
        description = {
            "kind": kind,
            "name": v(self.name),
            "halt_on_failure": bool(self.haltOnFailure),
            "flunk_on_failure": bool(self.flunkOnFailure),
            "warn_on_failure": bool(self.warnOnFailure),
            "flunk_on_warnings": bool(self.flunkOnWarnings),
            "warn_on_warnings": bool(self.warnOnWarnings),
            "always_run": bool(self.alwaysRun),
            "description": v(self.description),
            "description_done": v(self.descriptionDone),
            "description_suffix": v(self.descriptionSuffix),
            "do_step_if": None if self.doStepIf is True else v(self.doStepIf),
            "hide_step_if": None if self.hideStepIf is False else v(self.hideStepIf),
            "locks": v(self.locks or []),
            "args": {k: v(val) for k, val in self._args.items()},
        }
        if self.workdir is not None:
            description["args"]["workdir"] = v(self.workdir)
        if self.updateBuildSummaryPolicy is not None:
            description["update_build_summary_policy"] = v(self.updateBuildSummaryPolicy)
        if kind == "Python" or type(self)._runs_in_python:
            description["args"]["step"] = _describe.handle(self)
        return description

    # ---- Build time: what runs while the engine runs a custom step (see `_buildtime`). ----

    build = None
    worker = None
    master = None
    stepid = None
    results = None
    timed_out = False
    max_lines_reached = False
    _running = False

    def _build_copy(self):
        args, kwargs = self.__dict__.get("_factory_args", ((), {}))
        return type(self)(*args, **dict(kwargs))

    def _start_build_time(self, host):
        self._host = host
        context = host.call("context")
        self.build = _buildtime.Build(host, context)
        self.worker = self.build.workerforbuilder.worker
        self.master = _buildtime.Master(host)
        self.stepid = context["stepid"]
        self._logs = {}
        self.__dict__.setdefault("_pending_observers", [])
        self._running = True
        names = list(_BASE_RENDERABLES)
        for klass in type(self).__mro__:
            names.extend(n for n in vars(klass).get("renderables", ()) if n not in names)
        for name in names:
            value = getattr(self, name, None)
            if value is not None:
                setattr(self, name, self.build.render_now(value))
        if self.workdir is None:
            self.workdir = self.build.workdir
        # The 0.8 hook: a step class that overrides `setBuild` sees the build before it runs.
        if _user_defines(type(self), "setBuild"):
            self.setBuild(self.build)

    def setBuild(self, build):
        self.build = build

    def addFactoryArguments(self, **kwargs):
        """0.8: recorded constructor arguments for re-creating the step per build; oxbot
        re-creates steps from the arguments they were constructed with anyway."""
        from buildbot_compat import _legacy

        _legacy.warn("DEPRECATED: 'BuildStep.addFactoryArguments()' is not needed: steps are "
                     "re-created from their constructor arguments")

    def _run_build_time(self):
        cls = type(self)
        if _user_defines(cls, "start") and not _user_defines(cls, "run"):
            results = self._run_old_style()
        else:
            results = resolve(self.run())
        if not isinstance(results, int):
            raise TypeError(f"{cls.__name__}.run() must return a result (SUCCESS, FAILURE...), "
                            f"not {results!r}")
        return results

    def run(self):
        kind = type(self)._builtin_kind()
        if kind in ("BuildStep", "LoggingBuildStep"):
            raise NotImplementedError(f"{type(self).__name__} must override run()")
        return self._run_builtin(kind)

    def _run_builtin(self, kind, **args):
        """Runs the engine's step `kind` described as this step, with `args` replacing its
        own arguments."""
        description = self._description(kind)
        description["args"].pop("step", None)
        description["args"].update(args)
        reply = self._host.call("run_builtin", step=description)
        if reply["runtime_done"] is not None:
            self.descriptionDone = reply["runtime_done"]
        elif self.descriptionDone is None:
            self.descriptionDone = reply["default_done"]
        return succeed(reply["results"])

    # Old-style steps (Buildbot 0.8-2.x): `start()` runs commands and calls `finished()`.
    def _run_old_style(self):
        self._old_results = None
        started = resolve(self.start())
        if started == SKIPPED:
            return SKIPPED
        if self._old_results is None:
            raise NotImplementedError(
                "not supported yet by oxbot: an old-style step whose start() returns before "
                "calling finished()")
        return self._old_results

    def finished(self, results):
        self._old_results = results

    def startCommand(self, cmd, errorMessages=None):
        stdio = resolve(self.addLog("stdio")) if "stdio" not in self._logs else self._logs["stdio"]
        cmd.useLog(stdio, False)
        resolve(self.runCommand(cmd))
        resolve(self.commandComplete(cmd))
        resolve(self.createSummary(stdio))
        self.finished(resolve(self.evaluateCommand(cmd)))
        return succeed(None)

    def commandComplete(self, cmd):
        pass

    def createSummary(self, log):
        pass

    def evaluateCommand(self, cmd):
        return cmd.results()

    # Properties.
    def getProperty(self, name, default=None):
        self._check_running("getProperty")
        return self.build.getProperty(name, default)

    def hasProperty(self, name):
        self._check_running("hasProperty")
        return self.build.hasProperty(name)

    def setProperty(self, name, value, source="Step", runtime=True):
        self._check_running("setProperty")
        self.build.setProperty(name, value, source, runtime)

    def getProperties(self):
        self._check_running("getProperties")
        return self.build.getProperties()

    def _check_running(self, what):
        if self.build is None:
            raise NotImplementedError(
                f"BuildStep.{what} is only available while the step runs in a build")

    # Logs.
    def addLog(self, name, type="s", logEncoding=None):
        self._host.call("add_log", name=name, log_type=type)
        log_ = self._logs.get(name) or _buildtime.Log(self, name, type)
        self._logs[name] = log_
        for logname, observer in list(self._pending_observers):
            if logname == name:
                log_.addObserver(observer)
                self._pending_observers.remove((logname, observer))
        return succeed(log_)

    def getLog(self, name):
        return self._logs[name]

    def addCompleteLog(self, name, text):
        log_ = resolve(self.addLog(name, type="t"))
        log_.addContent(text)
        log_.finish()
        return succeed(None)

    def addHTMLLog(self, name, html):
        log_ = resolve(self.addLog(name, type="h"))
        log_.addContent(html)
        log_.finish()
        return succeed(None)

    def addLogObserver(self, logname, observer):
        observer.setStep(self)
        if self.build is not None and logname in self._logs:
            self._logs[logname].addObserver(observer)
        else:
            # Buildbot lets steps add observers in __init__, before the log exists.
            pending = self.__dict__.setdefault("_pending_observers", [])
            pending.append((logname, observer))

    def addURL(self, name, url):
        self._host.call("add_url", name=name, url=url)
        return succeed(None)

    # Commands.
    def runCommand(self, command):
        self.cmd = command
        return command.run(self, None, self.build.builder.name)

    def workerVersion(self, command, oldversion=None):
        return "3.3"

    def workerVersionIsOlderThan(self, command, minversion):
        return False

    def checkWorkerHasCommand(self, command):
        pass

    def interrupt(self, reason):
        raise NotImplementedError("not supported yet by oxbot: BuildStep.interrupt()")

    # Summaries.
    def updateSummary(self):
        if self._running and self.build is not None:
            summary = resolve(self.getCurrentSummary())
            if not isinstance(summary, dict):
                raise TypeError("getCurrentSummary must return a dictionary")
            self._host.call("set_state_string", text=summary.get("step", "running"))

    def getCurrentSummary(self):
        if self.description is not None:
            text = join_list(self.description)
            if self.descriptionSuffix:
                text += " " + join_list(self.descriptionSuffix)
        else:
            text = "running"
        return {"step": text}

    def getResultSummary(self):
        if self.descriptionDone is not None or self.description is not None:
            text = join_list(self.descriptionDone or self.description)
            if self.descriptionSuffix:
                text += " " + join_list(self.descriptionSuffix)
        else:
            text = "finished"
        if self.results != SUCCESS:
            text += f" ({statusToString(self.results)})"
            if self.timed_out:
                text += " (timed out)"
        return {"step": text}

    def isNewStyle(self):
        return True


def described_step(module, class_name, /, **class_attrs):
    """A Buildbot step that oxbot describes but whose engine side is not written yet: it takes
    any arguments, and a build that reaches it fails naming it."""
    class_attrs.setdefault("name", class_name)
    return step_class(module, class_name, _accept_any=True, **class_attrs)


def step_class(module, class_name, own_params=(), required=(), /, base=BuildStep, **class_attrs):
    """A built-in step class named as Buildbot's, defined in `module`, taking its own keyword
    arguments."""
    attrs = {
        "_own_params": tuple(base._own_params) + tuple(own_params),
        "_required": tuple(required) or base._required,
        "__module__": module,
        **class_attrs,
    }
    return type(class_name, (base,), attrs)


class LoggingBuildStep(BuildStep):
    pass


def command_to_string(command):
    """Buildbot's ``util.command_to_string``: ``'make all'``, or the first two words and
    ``...``."""
    if isinstance(command, (list, tuple)):
        words = [str(w) for w in _flatten(command) if isinstance(w, (str, bytes, int))]
    elif isinstance(command, str):
        words = command.split()
    else:
        return None
    if not words:
        return None
    if len(words) > 2:
        return f"'{' '.join(words[:2])} ...'"
    return f"'{' '.join(words)}'"


def _flatten(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            yield item


class ShellMixin:
    """Buildbot's ``ShellMixin``: a step that runs shell commands it builds with
    ``makeRemoteShellCommand()``."""

    command = None
    env = {}
    want_stdout = True
    want_stderr = True
    usePTY = None
    logfiles = {}
    lazylogfiles = False
    timeout = 1200
    maxTime = None
    max_lines = None
    logEnviron = True
    interruptSignal = "KILL"
    sigtermTime = None
    initialStdin = None
    decodeRC = {0: SUCCESS}

    _shell_mixin_args = ("command", "workdir", "env", "want_stdout", "want_stderr", "usePTY",
                         "logfiles", "lazylogfiles", "timeout", "maxTime", "max_lines",
                         "logEnviron", "interruptSignal", "sigtermTime", "initialStdin",
                         "decodeRC")
    renderables = list(_shell_mixin_args)

    def setupShellMixin(self, constructorArgs, prohibitArgs=None):
        constructorArgs = dict(constructorArgs)
        prohibitArgs = prohibitArgs or []
        for arg in self._shell_mixin_args:
            if arg not in constructorArgs:
                continue
            if arg in prohibitArgs:
                error(f"invalid {type(self).__name__} argument {arg}")
            else:
                setattr(self, arg, constructorArgs[arg])
            del constructorArgs[arg]
        for arg in list(constructorArgs):
            if arg not in COMMON_PARAMS:
                error(f"invalid {type(self).__name__} argument {arg}")
                del constructorArgs[arg]
        return constructorArgs

    def makeRemoteShellCommand(self, collectStdout=False, collectStderr=False,
                               stdioLogName="stdio", **overrides):
        kwargs = {arg: getattr(self, arg) for arg in self._shell_mixin_args}
        kwargs.update(overrides)
        stdio = None
        if stdioLogName is not None:
            stdio = self._logs.get(stdioLogName) or resolve(self.addLog(stdioLogName))
        command = kwargs["command"]
        kwargs["command"] = list(_flatten(command)) if isinstance(command, (list, tuple)) \
            else command
        self.command = kwargs["command"]
        del kwargs["lazylogfiles"]
        kwargs["env"] = {**self.build.render_now(self.build.env), **(kwargs["env"] or {})}
        kwargs["stdioLogName"] = stdioLogName
        if not kwargs.get("workdir"):
            kwargs["workdir"] = self.build.workdir
        cmd = remotecommand.RemoteShellCommand(collectStdout=collectStdout,
                                               collectStderr=collectStderr, **kwargs)
        if stdio is not None:
            cmd.useLog(stdio, False)
        return succeed(cmd)

    def getResultSummary(self):
        if self.descriptionDone is not None:
            return super().getResultSummary()
        summary = command_to_string(self.command)
        if summary:
            if self.results != SUCCESS:
                summary += f" ({statusToString(self.results)})"
                if self.timed_out:
                    summary += " (timed out)"
            return {"step": summary}
        return super().getResultSummary()


class CommandMixin:
    """Buildbot's ``CommandMixin``: file-system helpers run as remote commands."""

    def _runRemoteCommand(self, cmd, abandonOnFailure, args, makeResult=None):
        command = remotecommand.RemoteCommand(cmd, args)
        stdio = self._logs.get("stdio") or resolve(self.addLog("stdio"))
        command.useLog(stdio, False)
        resolve(self.runCommand(command))
        if abandonOnFailure and command.didFail():
            raise BuildStepFailed()
        if makeResult:
            return succeed(makeResult(command))
        return succeed(not command.didFail())

    def runRmdir(self, dir, log=None, abandonOnFailure=True):
        return self._runRemoteCommand("rmdir", abandonOnFailure, {"dir": dir, "logEnviron": False})

    def pathExists(self, path):
        return self._runRemoteCommand("stat", False, {"file": path, "logEnviron": False})

    def runMkdir(self, dir, log=None, abandonOnFailure=True):
        return self._runRemoteCommand("mkdir", abandonOnFailure, {"dir": dir, "logEnviron": False})

    def runGlob(self, path):
        return self._runRemoteCommand("glob", True, {"path": path, "logEnviron": False},
                                      makeResult=lambda cmd: cmd.updates["files"][0])

