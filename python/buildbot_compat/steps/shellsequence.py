"""``buildbot.steps.shellsequence``: ``ShellSequence`` runs shell commands one after the other,
each a ``ShellArg`` with its own log and result rules. It runs in Python at build time, on
``ShellMixin``."""

from buildbot_compat import _describe
from buildbot_compat._buildtime import resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process import results
from buildbot_compat.process.buildstep import BuildStep, ShellMixin

# A ShellArg's result rules and their defaults (Buildbot's ResultComputingConfigMixin).
RESULT_RULES = {"haltOnFailure": False, "flunkOnWarnings": False, "flunkOnFailure": True,
                "warnOnWarnings": False, "warnOnFailure": False}


class ShellArg(_describe.Described):
    def __init__(self, command=None, logname=None, **kwargs):
        if command is None:
            error("the 'command' parameter of ShellArg must not be None")
        self.command = command
        self.logname = logname
        for rule, default in RESULT_RULES.items():
            setattr(self, rule, kwargs.pop(rule, default))
        for key in kwargs:
            error(f"the parameter '{key}' is not handled by ShellArg")

    def _describe(self):
        return {"command": _describe.value(self.command), "logname": self.logname,
                **{rule: _describe.value(getattr(self, rule)) for rule in RESULT_RULES}}

    def _valid_after_rendering(self):
        """Why the rendered ShellArg cannot run, or None."""
        if not isinstance(self.command, (str, list)):
            return f"{self.command} is an invalid command, it must be a string or a list"
        if isinstance(self.command, list) and not all(isinstance(w, str) for w in self.command):
            return f"{self.command} must only have strings in it"
        not_bool = [(r, getattr(self, r)) for r in RESULT_RULES
                    if not isinstance(getattr(self, r), bool)]
        if not_bool:
            return f"{not_bool!r} must be booleans"
        return None


class ShellSequence(ShellMixin, BuildStep):
    _runs_in_python = True
    # Buildbot 4.3's ShellSequence keeps BuildStep's default name, "generic".
    renderables = ["commands"]

    def __init__(self, commands=None, **kwargs):
        self.commands = commands
        kwargs = self.setupShellMixin(kwargs, prohibitArgs=["command"])
        super().__init__(**kwargs)

    def shouldRunTheCommand(self, cmd):
        return bool(cmd)

    def runShellSequence(self, commands):
        if commands is None:
            return succeed(results.EXCEPTION)
        overall = results.SUCCESS
        for arg in commands:
            if not isinstance(arg, ShellArg):
                return succeed(results.EXCEPTION)
            for rule in ("command", *RESULT_RULES):
                setattr(arg, rule, self.build.render_now(getattr(arg, rule)))
            if arg._valid_after_rendering() is not None:
                return succeed(results.EXCEPTION)
            if not self.shouldRunTheCommand(arg.command):
                continue
            cmd = resolve(self.makeRemoteShellCommand(command=arg.command,
                                                      stdioLogName=arg.logname))
            resolve(self.runCommand(cmd))
            overall, terminate = results.computeResultAndTermination(arg, cmd.results(), overall)
            if terminate:
                break
        return succeed(overall)

    def run(self):
        return self.runShellSequence(self.commands)
