"""``BuildStep``: the base of every step, with the settings all steps share.

A step object in a config is a description: its kind (Buildbot's class name), the common
settings and its own keyword arguments. A user subclass that overrides ``run()`` (or the old
``start()``) is described as kind ``Python`` with a handle on the object, for the engine to call.
"""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error

COMMON_PARAMS = [
    "alwaysRun", "description", "descriptionDone", "descriptionSuffix", "doStepIf",
    "flunkOnFailure", "flunkOnWarnings", "haltOnFailure", "updateBuildSummaryPolicy",
    "hideStepIf", "locks", "logEncoding", "name", "progressMetrics", "useProgress",
    "warnOnFailure", "warnOnWarnings", "workdir",
]

_USER_HOOKS = ("run", "start", "commandComplete", "evaluateCommand", "createSummary")


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

    def __init__(self, *args, **kwargs):
        own = {"args": list(args)} if args else {}
        for key in list(kwargs):
            if key in self._own_params or (self._accept_any and key not in COMMON_PARAMS):
                own[key] = kwargs.pop(key)
        for key in COMMON_PARAMS:
            if key in kwargs:
                setattr(self, key, kwargs.pop(key))
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

    @classmethod
    def _kind(cls):
        """Buildbot's class name for built-in steps; ``Python`` for a subclass with its own
        ``run()`` or ``start()``."""
        for klass in cls.__mro__:
            if klass.__module__.startswith("buildbot_compat."):
                return klass.__name__
            if any(hook in vars(klass) for hook in _USER_HOOKS):
                return "Python"
        return "BuildStep"

    def _describe(self):
        kind = type(self)._kind()
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
        if kind == "Python":
            description["args"]["step"] = _describe.handle(self)
        return description

    # Methods user steps call; they run at build time, which the engine does not support yet.
    def getProperty(self, name, default=None):
        raise NotImplementedError("not supported yet by oxbot: BuildStep.getProperty at config time")


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

