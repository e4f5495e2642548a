"""Shell steps (Buildbot's ``steps/shell.py``)."""

from buildbot_compat.config.errors import error
from buildbot_compat.process.buildstep import BuildStep, step_class

SHELL_PARAMS = (
    "command", "env", "timeout", "maxTime", "max_lines", "usePTY", "logfiles", "lazylogfiles",
    "logEnviron", "interruptSignal", "sigtermTime", "initialStdin", "decodeRC", "want_stdout",
    "want_stderr", "collectStdout", "collectStderr", "stdioLogName",
)


class ShellCommand(BuildStep):
    name = "shell"
    _own_params = SHELL_PARAMS

    def __init__(self, *args, **kwargs):
        if args:
            kwargs.setdefault("command", args[0])
        if kwargs.get("command") is None:
            error("ShellCommand's `command' argument is not specified")
        super().__init__(**kwargs)


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
SetPropertyFromCommand = step_class(
    _MODULE, "SetPropertyFromCommand", ("property", "extract_fn", "strip", "includeStdout",
                                        "includeStderr"),
    base=ShellCommand, name="setproperty")
TreeSize = step_class(_MODULE, "TreeSize", base=ShellCommand, name="treesize")
PerlModuleTest = step_class(_MODULE, "PerlModuleTest", base=Test)
ShellSequence = step_class(_MODULE, "ShellSequence", ("commands", "env", "timeout", "logEnviron",
                                                       "usePTY", "maxTime", "decodeRC"),
                           name="ShellSequence")
