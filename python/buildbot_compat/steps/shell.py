"""Shell steps (Buildbot's ``steps/shell.py``)."""

from buildbot_compat._buildtime import resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process.buildstep import BuildStep, ShellMixin, _user_defines, step_class

SHELL_PARAMS = (
    "command", "env", "timeout", "maxTime", "max_lines", "usePTY", "logfiles", "lazylogfiles",
    "logEnviron", "interruptSignal", "sigtermTime", "initialStdin", "decodeRC", "want_stdout",
    "want_stderr", "collectStdout", "collectStderr", "stdioLogName",
)


# Kinds whose build-time `run()` (for user subclasses) is the Python one below; other
# subclasses of ShellCommand (SetPropertyFromCommand...) run the engine's step.
_PYTHON_RUN_KINDS = ("ShellCommand", "Configure", "Compile", "Test",
                     "WarningCountingShellCommand", "PerlModuleTest", "TreeSize", "RemovePYCs")


class ShellCommand(ShellMixin, BuildStep):
    name = "shell"
    _own_params = SHELL_PARAMS

    def __init__(self, *args, **kwargs):
        if args:
            kwargs.setdefault("command", args[0])
        if kwargs.get("command") is None and type(self).command is None:
            error("ShellCommand's `command' argument is not specified")
        super().__init__(**kwargs)
        for key in ShellMixin._shell_mixin_args:
            if key in self._args:
                setattr(self, key, self._args[key])

    def run(self):
        """Buildbot 4.3's ``ShellCommand.run()``, which user subclasses reach through
        ``super().run()``. Old-style hooks a subclass defines (``commandComplete``,
        ``createSummary``, ``evaluateCommand``) are called as Buildbot 2.x did."""
        cls = type(self)
        if cls._builtin_kind() not in _PYTHON_RUN_KINDS:
            return BuildStep.run(self)
        cmd = resolve(self.makeRemoteShellCommand())
        resolve(self.runCommand(cmd))
        if cmd.failure_reason == "timeout":
            self.timed_out = True
        if _user_defines(cls, "commandComplete"):
            resolve(self.commandComplete(cmd))
        if _user_defines(cls, "createSummary"):
            resolve(self.createSummary(cmd.logs.get("stdio")))
        if _user_defines(cls, "evaluateCommand"):
            return succeed(resolve(self.evaluateCommand(cmd)))
        return succeed(cmd.results())


_MODULE = __name__
Configure = step_class(_MODULE, "Configure", base=ShellCommand, name="configure",
                       description="configuring", descriptionDone="configure", haltOnFailure=True)
WarningCountingShellCommand = step_class(
    _MODULE, "WarningCountingShellCommand",
    ("warningPattern", "warningExtractor", "maxWarnCount", "directoryEnterPattern",
     "directoryLeavePattern", "suppressionFile", "suppressionList"),
    base=ShellCommand)
Compile = step_class(_MODULE, "Compile", base=WarningCountingShellCommand, name="compile",
                     description="compiling", descriptionDone="compile", haltOnFailure=True)
Test = step_class(_MODULE, "Test", base=WarningCountingShellCommand, name="test",
                  description="testing", descriptionDone="test", warnOnFailure=True)


class SetPropertyFromCommand(ShellCommand):
    name = "setproperty"
    _own_params = SHELL_PARAMS + ("property", "extract_fn", "strip", "includeStdout",
                                  "includeStderr")

    def __init__(self, property=None, extract_fn=None, **kwargs):
        if not (property is not None) ^ (extract_fn is not None):
            error("Exactly one of property and extract_fn must be set")
        if extract_fn is not None and not callable(extract_fn):
            error("extract_fn must be callable")
        chosen = {"property": property} if property is not None else {"extract_fn": extract_fn}
        super().__init__(**kwargs, **chosen)


TreeSize = step_class(_MODULE, "TreeSize", base=ShellCommand, name="treesize")
PerlModuleTest = step_class(_MODULE, "PerlModuleTest", base=Test)
from buildbot_compat.steps.shellsequence import ShellSequence  # noqa: E402,F401 - old path
