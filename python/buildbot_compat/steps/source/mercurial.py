"""``buildbot.steps.source.mercurial``: the ``Mercurial`` source step, run in Python at build
time with Buildbot's sequence of ``hg`` commands (modes ``incremental`` and ``full`` with
methods ``clobber``, ``fresh``, ``clean``; ``dirname`` and ``inrepo`` branches),
``got_revision`` from ``hg parents``."""

from buildbot_compat._buildtime import BuildStepFailed, resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process import remotecommand
from buildbot_compat.process.buildstep import CommandMixin
from buildbot_compat.process.results import SUCCESS
from buildbot_compat.steps.source.base import Source

_HG_PARAMS = ("repourl", "defaultBranch", "branchType", "clobberOnBranchChange")


class Mercurial(CommandMixin, Source):
    _runs_in_python = True
    _own_params = Source._own_params + _HG_PARAMS
    name = "hg"
    renderables = ["repourl"]

    def __init__(self, repourl=None, mode="incremental", method=None, defaultBranch=None,
                 branchType="dirname", clobberOnBranchChange=True, **kwargs):
        self.repourl = repourl
        self.defaultBranch = self.branch = defaultBranch
        self.branchType = branchType
        self.clobberOnBranchChange = clobberOnBranchChange
        self.mode = mode
        self.method = method
        own = {k: v for k, v in zip(_HG_PARAMS, (repourl, defaultBranch, branchType,
                                                 clobberOnBranchChange)) if v is not None}
        super().__init__(mode=mode, method=method, **own, **kwargs)
        if mode not in ("incremental", "full"):
            error(f"mode {mode} is not one of ['full', 'incremental']")
        if method not in (None, "clean", "fresh", "clobber"):
            error(f"method {method} is not one of (None, 'clean', 'fresh', 'clobber')")
        if branchType not in ("inrepo", "dirname"):
            error(f"branchType {branchType} is not one of ('inrepo', 'dirname')")
        if repourl is None:
            error("you must provide a repourl")

    def run_vc(self, branch, revision, patch):
        self.revision = revision
        self.method = None if self.mode == "incremental" else (self.method or "fresh")
        self.stdio_log = resolve(self.addLog("stdio"))
        check = remotecommand.RemoteShellCommand(self.workdir, ["hg", "--version"])
        check.useLog(self.stdio_log, False)
        resolve(self.runCommand(check))
        if check.rc != 0:
            raise NotImplementedError("Mercurial is not installed on worker")
        if self.branchType == "dirname":
            self.repourl = self.repourl + (branch or "")
            self.branch = self.defaultBranch
            self.update_branch = branch
        else:
            self.update_branch = branch or "default"
        if self.mode == "full":
            self._mode_full()
        else:
            self._mode_incremental()
        node = self._hg(["parents", "--template", "{node}\\n"], collect=True).stdout.strip()
        if len(node) != 40:
            raise BuildStepFailed()
        self.updateSourceProperty("got_revision", node)
        return succeed(SUCCESS)

    def _mode_full(self):
        if self.method == "clobber":
            self._clobber()
        elif not resolve(self.pathExists(f"{self.workdir}/.hg")):
            self._clone()
            self._update()
        else:
            purge = ["--config", "extensions.purge=", "purge"]
            self._hg(purge + (["--all"] if self.method == "fresh" else []))
            self._hg(self._pull_command())
            self._check_branch_change()

    def _mode_incremental(self):
        if resolve(self.pathExists(f"{self.workdir}/.hg")):
            self._hg(self._pull_command())
        else:
            self._clone()
        self._check_branch_change()

    def _clobber(self):
        resolve(self.runRmdir(self.workdir, abandonOnFailure=False))
        self._clone()
        self._update()

    def _clone(self):
        self._hg(["clone", "--noupdate", self.repourl, "."])

    def _pull_command(self):
        command = ["pull", self.repourl]
        if self.revision:
            command += ["--rev", self.revision]
        elif self.branchType == "inrepo":
            command += ["--rev", self.update_branch]
        return command

    def _update(self):
        command = ["update", "--clean"]
        if self.revision:
            command += ["--rev", self.revision]
        elif self.branchType == "inrepo":
            command += ["--rev", self.update_branch]
        self._hg(command)

    def _check_branch_change(self):
        if self.branchType == "dirname":
            current = self.branch
        else:
            current = self._hg(["identify", "--branch"], collect=True).stdout.strip()
        if current != self.update_branch and self.clobberOnBranchChange:
            self._clobber()
            return
        added = self._hg(["locate", "set:added()"], collect=True, ok_codes=(0, 1)).stdout
        for path in added.splitlines():
            resolve(self.runRmdir(f"{self.workdir}/{path}", abandonOnFailure=False))
        self._update()

    def _hg(self, command, collect=False, ok_codes=(0,)):
        cmd = remotecommand.RemoteShellCommand(
            self.workdir, ["hg", "--verbose", *command], collectStdout=collect,
            decodeRC={code: SUCCESS for code in ok_codes})
        cmd.useLog(self.stdio_log, False)
        resolve(self.runCommand(cmd))
        if cmd.didFail():
            raise BuildStepFailed()
        return cmd
