"""Shell steps (Buildbot's ``steps/shell.py``)."""

import re

from buildbot_compat._buildtime import resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process.buildstep import BuildStep, ShellMixin, _user_defines, step_class
from buildbot_compat.process.logobserver import LineConsumerLogObserver
from buildbot_compat.process.results import FAILURE, WARNINGS, worst_status

WARNING_PARAMS = ("warningPattern", "warningExtractor", "maxWarnCount", "directoryEnterPattern",
                  "directoryLeavePattern", "suppressionFile", "suppressionList")

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
        # As in Buildbot, only ShellCommand itself needs a command here: a subclass may set it
        # later (a class attribute, or `setCommand()` in an old-style `setBuild` hook).
        if kwargs.get("command") is None and type(self) is ShellCommand:
            error("ShellCommand's `command' argument is not specified")
        super().__init__(**kwargs)
        for key in ShellMixin._shell_mixin_args:
            if key in self._args:
                setattr(self, key, self._args[key])

    def setCommand(self, command):
        """The 0.8 way to set the command from a hook, before the step runs."""
        self.command = command

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
                       description="configuring", descriptionDone="configure", haltOnFailure=True,
                       command=["./configure"])


class WarningCountingShellCommand(ShellCommand):
    """A shell command whose output lines matching ``warningPattern`` (a Python regular
    expression, matched from the line's start) are warnings: they go to a ``warnings (N)`` log,
    add to the ``warnings-count`` property and make the step WARNINGS (FAILURE past
    ``maxWarnCount``). It runs in Python at build time, so patterns are Python's."""

    _runs_in_python = True
    _own_params = SHELL_PARAMS + WARNING_PARAMS
    renderables = ["suppressionFile", "suppressionList", "warningPattern",
                   "directoryEnterPattern", "directoryLeavePattern", "maxWarnCount"]
    warningPattern = "(?i).*warning[: ].*"
    directoryEnterPattern = "make.*: Entering directory [\u2019\"`'](.*)[\u2019'`\"]"
    directoryLeavePattern = "make.*: Leaving directory"
    suppressionFile = None
    suppressionList = None
    maxWarnCount = None

    def __init__(self, *args, **kwargs):
        for key in WARNING_PARAMS:
            if kwargs.get(key) is not None or key == "warningPattern" and key in kwargs:
                # A user extractor is a plain function taking (step, line, match).
                setattr(self, "_extractor" if key == "warningExtractor" else key, kwargs[key])
        if type(self) is WarningCountingShellCommand and not (args or kwargs.get("command")):
            error("WarningCountingShellCommand's 'command' argument is not specified")
        super().__init__(*args, **kwargs)
        self.suppressions = []
        self.directoryStack = []
        self.warnCount = 0
        self.loggedWarnings = []
        if self.warningPattern is not None:
            self.addLogObserver("stdio", LineConsumerLogObserver(self.warningLogConsumer))

    def warnExtractWholeLine(self, line, match):
        return (None, None, line)

    def warnExtractFromRegexpGroups(self, line, match):
        line_no = match.group(2)
        return (match.group(1), int(line_no) if line_no is not None else None, match.group(3))

    _extractor = None

    def _extract(self, line, match):
        if self._extractor is None:
            return self.warnExtractWholeLine(line, match)
        return self._extractor(self, line, match)

    def addSuppression(self, suppressionList):
        for file_re, warn_re, start, end in suppressionList:
            self.suppressions.append((re.compile(file_re) if isinstance(file_re, str) else file_re,
                                      re.compile(warn_re) if isinstance(warn_re, str) else warn_re,
                                      start, end))

    def warningLogConsumer(self):
        warning = re.compile(self.warningPattern) if isinstance(self.warningPattern, str) \
            else self.warningPattern
        enter = self.directoryEnterPattern and re.compile(self.directoryEnterPattern)
        leave = self.directoryLeavePattern and re.compile(self.directoryLeavePattern)
        while True:
            _, line = yield
            if enter:
                entered = enter.search(line)
                if entered:
                    self.directoryStack.append(entered.group(1))
                    continue
            if leave and self.directoryStack and leave.search(line):
                self.directoryStack.pop()
                continue
            match = warning.match(line)
            if match:
                self.maybeAddWarning(self.loggedWarnings, line, match)

    def maybeAddWarning(self, warnings, line, match):
        if self.suppressions:
            file, line_no, text = self._extract(line, match)
            if file and self.directoryStack:
                file = "/".join(self.directoryStack) + "/" + file
            for file_re, warn_re, start, end in self.suppressions:
                if file is not None and file_re is not None and not file_re.match(file):
                    continue
                if warn_re is not None and not warn_re.search(text):
                    continue
                if start is not None and end is not None and not (
                        line_no is not None and start <= line_no <= end):
                    continue
                return
        warnings.append(line)
        self.warnCount += 1

    def run(self):
        if self.suppressionList is not None:
            self.addSuppression(self.suppressionList)
        if self.suppressionFile is not None:
            raise NotImplementedError(
                "not supported yet by oxbot: WarningCountingShellCommand suppressionFile")
        cmd = resolve(self.makeRemoteShellCommand())
        resolve(self.runCommand(cmd))
        self.getLog("stdio").finish()
        self.createSummary()
        return succeed(self.evaluateCommand(cmd))

    def createSummary(self):
        if self.warnCount:
            resolve(self.addCompleteLog(f"warnings ({self.warnCount})",
                                        "\n".join(self.loggedWarnings) + "\n"))
        count = self.getProperty("warnings-count", 0)
        self.setProperty("warnings-count", count + self.warnCount, "WarningCountingShellCommand")

    def evaluateCommand(self, cmd):
        result = cmd.results()
        if self.maxWarnCount is not None and self.warnCount > self.maxWarnCount:
            return worst_status(result, FAILURE)
        if self.warnCount:
            return worst_status(result, WARNINGS)
        return result


Compile = step_class(_MODULE, "Compile", base=WarningCountingShellCommand, name="compile",
                     description=["compiling"], descriptionDone=["compile"], haltOnFailure=True,
                     command=["make", "all"])
Test = step_class(_MODULE, "Test", base=WarningCountingShellCommand, name="test",
                  description=["testing"], descriptionDone=["test"], warnOnFailure=True,
                  command=["make", "test"])


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


# Names older Buildbot versions exported here, and what they became.
_RENAMED = {"SetProperty": "SetPropertyFromCommand"}


def __getattr__(name):
    if name in _RENAMED:
        from buildbot_compat import _legacy

        _legacy.deprecated(f"buildbot.steps.shell.{name}", f"buildbot.steps.shell.{_RENAMED[name]}")
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module 'buildbot.steps.shell' has no attribute {name!r}")
