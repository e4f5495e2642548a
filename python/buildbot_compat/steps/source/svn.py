"""``buildbot.steps.source.svn``: the ``SVN`` source step, run in Python at build time with
Buildbot's sequence of ``svn`` commands (modes ``incremental`` and ``full`` with methods
``clobber``, ``fresh``, ``clean``, ``copy`` and ``export``), ``got_revision`` from
``svn info``."""

import re
import xml.dom.minidom
from urllib.parse import quote, unquote, urlparse, urlunparse

from buildbot_compat._buildtime import BuildStepFailed, resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process import remotecommand
from buildbot_compat.process.buildstep import CommandMixin
from buildbot_compat.process.results import SUCCESS
from buildbot_compat.steps.source.base import Source

_METHODS = ("clean", "fresh", "clobber", "copy", "export", None)
_DEFAULT_PORTS = {"http": "80", "https": "443", "svn": "3690"}
_COLLAPSE = re.compile(r"([^/]+/\.\./?|/\./|//|/\.$|/\.\.$|^/\.\.)")


def canonical_url(uri):
    """A Subversion URL as ``svn info`` prints it (lower-case scheme and host, default port
    dropped, ``.``/``..`` collapsed, quoted, no trailing slash)."""
    if not uri or uri == "/":
        return uri
    scheme, authority, path, params, query, fragment = urlparse(uri)
    scheme = scheme.lower()
    if authority:
        userinfo, _, hostport = authority.rpartition("@")
        host, _, port = hostport.partition(":")
        authority = host.rstrip(".").lower()
        if userinfo:
            authority = f"{userinfo}@{authority}"
        if port and port != _DEFAULT_PORTS.get(scheme):
            authority = f"{authority}:{port}"
    if scheme in _DEFAULT_PORTS:
        while True:
            collapsed = _COLLAPSE.sub("/", path, 1)
            if collapsed == path:
                break
            path = collapsed
    path = quote(unquote(path), "!$&'()*+,-./:=@_~", encoding="latin-1")
    canonical = urlunparse((scheme, authority, path, params, query, fragment))
    if canonical.endswith("/") and not canonical.endswith("//"):
        canonical = canonical[:-1]
    return canonical


_SVN_PARAMS = ("repourl", "username", "password", "extra_args", "keep_on_purge", "depth",
               "preferLastChangedRev")


class SVN(CommandMixin, Source):
    _runs_in_python = True
    _own_params = Source._own_params + _SVN_PARAMS
    name = "svn"
    renderables = ["repourl", "password"]

    def __init__(self, repourl=None, mode="incremental", method=None, username=None,
                 password=None, extra_args=None, keep_on_purge=None, depth=None,
                 preferLastChangedRev=False, **kwargs):
        self.repourl = repourl
        self.username = username
        self.password = password
        self.extra_args = extra_args
        self.keep_on_purge = keep_on_purge or []
        self.depth = depth
        self.preferLastChangedRev = preferLastChangedRev
        self.mode = mode
        self.method = method
        own = {k: v for k, v in zip(_SVN_PARAMS, (repourl, username, password, extra_args,
                                                  keep_on_purge, depth, preferLastChangedRev))
               if v is not None}
        super().__init__(mode=mode, method=method, **own, **kwargs)
        if mode not in ("incremental", "full"):
            error(f"mode {mode} is not one of ['full', 'incremental']")
        if method not in _METHODS:
            error(f"method {method} is not one of {_METHODS}")
        if repourl is None:
            error("you must provide repourl")

    # -- the command sequence

    def run_vc(self, branch, revision, patch):
        self.revision = revision
        self.method = self._method()
        self.stdio_log = resolve(self.addLog("stdio"))
        if not self._svn_installed():
            raise NotImplementedError("SVN is not installed on worker")
        if resolve(self.pathExists(f"{self.workdir}/.buildbot-patched")):
            self._purge(False)
        if self.mode == "full":
            self._mode_full()
        else:
            self._mode_incremental()
        self._got_revision()
        return succeed(SUCCESS)

    def _method(self):
        if self.mode == "incremental":
            return None
        return self.method or "fresh"

    def _mode_full(self):
        if self.method == "clobber":
            self._clobber()
        elif self.method in ("copy", "export"):
            self._copy()
        elif not self._updatable():
            self._clobber()
        else:
            self._purge(self.method == "fresh")
            self._update()

    def _mode_incremental(self):
        if self._updatable():
            self._update()
        else:
            self._clobber()

    def _update(self):
        command = ["update"]
        if self.revision:
            command += ["--revision", str(self.revision)]
        self._svn(command)

    def _clobber(self):
        resolve(self.runRmdir(self.workdir))
        command = ["checkout", self.repourl, "."]
        if self.revision:
            command += ["--revision", str(self.revision)]
        self._svn(command)

    def _copy(self):
        resolve(self.runRmdir(self.workdir, abandonOnFailure=False))
        checkout_dir = "source"
        codebase = self._args.get("codebase")
        if codebase:
            checkout_dir = f"source/{codebase}"
        target, self.workdir = self.workdir, checkout_dir
        try:
            self._mode_incremental()
        finally:
            self.workdir = target
        if self.method == "copy":
            cmd = remotecommand.RemoteCommand(
                "cpdir", {"fromdir": checkout_dir, "todir": self.workdir, "logEnviron": True})
        else:
            export = ["svn", "export"]
            if self.revision:
                export += ["--revision", str(self.revision)]
            export += self._credentials() + (self.extra_args or []) + [checkout_dir, self.workdir]
            cmd = remotecommand.RemoteShellCommand("", export)
        cmd.useLog(self.stdio_log, False)
        resolve(self.runCommand(cmd))
        if cmd.didFail():
            raise BuildStepFailed()

    def _credentials(self):
        out = []
        if self.username:
            out += ["--username", self.username]
        if self.password is not None:
            out += ["--password", self.password]
        return out

    def _svn(self, command, collect=False, abandon=True):
        command = list(command) + ["--non-interactive", "--no-auth-cache"] + self._credentials()
        if self.depth:
            command += ["--depth", self.depth]
        command += self.extra_args or []
        cmd = remotecommand.RemoteShellCommand(self.workdir, ["svn", *command],
                                               collectStdout=collect, collectStderr=collect)
        cmd.useLog(self.stdio_log, False)
        resolve(self.runCommand(cmd))
        if cmd.didFail() and abandon:
            raise BuildStepFailed()
        return cmd

    def _svn_installed(self):
        cmd = remotecommand.RemoteShellCommand(self.workdir, ["svn", "--version"])
        cmd.useLog(self.stdio_log, False)
        resolve(self.runCommand(cmd))
        return cmd.rc == 0

    def _updatable(self):
        if not resolve(self.pathExists(f"{self.workdir}/.svn")):
            return False
        cmd = self._svn(["info", "--xml"], collect=True, abandon=False)
        if "E155037:" in cmd.stderr:
            return False
        try:
            url = xml.dom.minidom.parseString(cmd.stdout).getElementsByTagName("url")[0]
        except Exception as e:  # noqa: BLE001 - Buildbot fails the step on corrupt output
            resolve(self.stdio_log.addHeader("Corrupted xml, aborting step"))
            raise BuildStepFailed() from e
        return url.firstChild.nodeValue == canonical_url(self.repourl)

    def _purge(self, ignore_ignores):
        command = ["status", "--xml"] + (["--no-ignore"] if ignore_ignores else [])
        status = xml.dom.minidom.parseString(self._svn(command, collect=True).stdout)
        for entry in status.getElementsByTagName("entry"):
            (wc_status,) = entry.getElementsByTagName("wc-status")
            if wc_status.getAttribute("item") in ("external", "missing"):
                continue
            path = entry.getAttribute("path")
            if path and path not in self.keep_on_purge:
                resolve(self.runRmdir(f"{self.workdir}/{path}", abandonOnFailure=False))

    def _got_revision(self):
        directory = "source" if self.mode == "full" and self.method == "export" else self.workdir
        cmd = remotecommand.RemoteShellCommand(directory, ["svn", "info", "--xml"],
                                               collectStdout=True)
        cmd.useLog(self.stdio_log, False)
        resolve(self.runCommand(cmd))
        try:
            info = xml.dom.minidom.parseString(cmd.stdout)
        except Exception as e:  # noqa: BLE001
            resolve(self.stdio_log.addHeader("Corrupted xml, aborting step"))
            raise BuildStepFailed() from e
        revision = None
        if self.preferLastChangedRev and info.getElementsByTagName("commit"):
            revision = info.getElementsByTagName("commit")[0].getAttribute("revision") or None
        if revision is None:
            entries = info.getElementsByTagName("entry")
            if not entries or not entries[0].getAttribute("revision"):
                raise BuildStepFailed()
            revision = entries[0].getAttribute("revision")
        resolve(self.stdio_log.addHeader(f"Got SVN revision {revision}\n"))
        self.updateSourceProperty("got_revision", revision)
