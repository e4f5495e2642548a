"""Remote commands (Buildbot's ``process/remotecommand.py``): what a custom step runs on its
worker with ``self.runCommand(cmd)``. The engine runs them; ``rc``, ``updates``, ``stdout``,
``stderr`` and ``results()`` are filled in when the command is done."""

from buildbot_compat.process.results import CANCELLED, FAILURE, SUCCESS


class RemoteException(Exception):
    pass


class RemoteCommand:
    def __init__(self, remote_command, args, ignore_updates=False, collectStdout=False,
                 collectStderr=False, decodeRC=None, stdioLogName="stdio"):
        self.remote_command = remote_command
        self.args = args
        self.ignore_updates = ignore_updates
        self.collectStdout = collectStdout
        self.collectStderr = collectStderr
        self.decodeRC = decodeRC if decodeRC is not None else {0: SUCCESS}
        self.stdioLogName = stdioLogName
        self.logs = {}
        self.rc = None
        self.updates = {}
        self.stdout = ""
        self.stderr = ""
        self.interrupted = False
        self.failure_reason = None
        self.step = None

    def __repr__(self):
        return f"<RemoteCommand '{self.remote_command}' at {id(self)}>"

    def useLog(self, log_, closeWhenFinished=False, logfileName=None):
        self.logs[logfileName or log_.getName()] = log_

    def useLogDelayed(self, logfileName, activateCallBack, closeWhenFinished=False):
        # The engine adds logs for `logfiles` itself when their first lines arrive.
        pass

    def _wire_args(self):
        return dict(self.args)

    def run(self, step, conn=None, builder_name=None):
        """Runs the command on the step's worker; returns a fired Deferred of the command."""
        from buildbot_compat import _buildtime

        self.step = step
        stdio = self.logs.get(self.stdioLogName)
        observed = stdio is not None and stdio._observers
        stdout, stderr = [], []

        def on_output(log_name, stream, text):
            if stream == "o" and self.collectStdout:
                stdout.append(text)
            elif stream == "e" and self.collectStderr:
                stderr.append(text)
            if stdio is not None:
                stdio.observe(stream, text)

        if stdio is not None:
            stdio.flush()
        reply = step._host.call(
            "run_command", on_output=on_output, name=self.remote_command,
            args=self._wire_args(), log=stdio.name if stdio is not None else None,
            observe=bool(observed or self.collectStdout or self.collectStderr))
        self.rc = reply["rc"]
        self.interrupted = reply["interrupted"]
        self.failure_reason = reply["failure_reason"]
        if not self.ignore_updates:
            self.updates = reply["updates"]
        self.stdout = "".join(stdout)
        self.stderr = "".join(stderr)
        return _buildtime.succeed(self)

    def interrupt(self, why):
        raise NotImplementedError("not supported yet by oxbot: RemoteCommand.interrupt()")

    def results(self):
        if self.interrupted:
            return CANCELLED
        if self.rc in self.decodeRC:
            return self.decodeRC[self.rc]
        return FAILURE

    def didFail(self):
        return self.results() == FAILURE


LoggedRemoteCommand = RemoteCommand


class RemoteShellCommand(RemoteCommand):
    def __init__(self, workdir, command, env=None, want_stdout=1, want_stderr=1,
                 timeout=20 * 60, maxTime=None, max_lines=None, sigtermTime=None, logfiles=None,
                 usePTY=None, logEnviron=True, collectStdout=False, collectStderr=False,
                 interruptSignal=None, initialStdin=None, decodeRC=None, stdioLogName="stdio"):
        self.command = command
        args = {
            "workdir": workdir,
            "env": dict(env) if env is not None else None,
            "want_stdout": want_stdout,
            "want_stderr": want_stderr,
            "logfiles": logfiles or {},
            "timeout": timeout,
            "maxTime": maxTime,
            "max_lines": max_lines,
            "sigtermTime": sigtermTime,
            "usePTY": usePTY,
            "logEnviron": logEnviron,
            "initial_stdin": initialStdin,
        }
        if interruptSignal is not None:
            args["interruptSignal"] = interruptSignal
        super().__init__("shell", args, collectStdout=collectStdout,
                         collectStderr=collectStderr, decodeRC=decodeRC,
                         stdioLogName=stdioLogName)

    def _wire_args(self):
        args = dict(self.args)
        args["command"] = self.command
        if args["usePTY"] is None:
            args["usePTY"] = False
        return args

    def __repr__(self):
        return f"<RemoteShellCommand '{self.command}'>"
