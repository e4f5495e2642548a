"""The ``Git`` source step (Buildbot's ``steps/source/git.py``)."""

from buildbot_compat.config.errors import error
from buildbot_compat.process.buildstep import step_class
from buildbot_compat.steps.source.base import Source

GIT_PARAMS = (
    "repourl", "branch", "submodules", "remoteSubmodules", "tags", "shallow", "progress",
    "retryFetch", "clobberOnFailure", "getDescription", "config", "origin", "sshPrivateKey",
    "sshHostKey", "sshKnownHosts", "filters", "reference", "auth_credentials", "git_credentials",
)


class Git(Source):
    name = "git"
    _own_params = Source._own_params + GIT_PARAMS

    def __init__(self, repourl=None, branch="HEAD", mode="incremental", method=None, **kwargs):
        if not repourl:
            error("Git: must provide repourl.")
        if mode not in ("incremental", "full"):
            error(f"Git: mode {mode} is not one of ['incremental', 'full']")
        if method not in (None, "clean", "fresh", "clobber", "copy"):
            error(f"Git: method {method} is not one of ['clean', 'fresh', 'clobber', 'copy']")
        super().__init__(repourl=repourl, branch=branch, mode=mode, method=method, **kwargs)


_MODULE = __name__
GitPush = step_class(_MODULE, "GitPush", ("workdir", "repourl", "branch", "force", "env", "timeout",
                                          "logEnviron", "sshPrivateKey", "sshHostKey",
                                          "sshKnownHosts", "config"))
GitTag = step_class(_MODULE, "GitTag", ("workdir", "tagName", "annotated", "messages", "force",
                                        "env", "timeout", "logEnviron", "config"))
GitCommit = step_class(_MODULE, "GitCommit", ("workdir", "paths", "messages", "env", "timeout",
                                              "logEnviron", "emptyCommits", "config", "no_verify"))
