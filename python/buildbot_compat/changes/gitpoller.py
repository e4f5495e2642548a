"""``GitPoller`` (Buildbot's ``changes/gitpoller.py``)."""

from buildbot_compat import _generic, _legacy
from buildbot_compat.config.errors import error


class GitPoller(_generic.DescribedObject):
    def __init__(self, repourl=None, branches=None, branch=None, workdir=None, pollInterval=10 * 60,
                 gitbin="git", usetimestamps=True, category=None, project=None, pollAtLaunch=False,
                 buildPushesWithNoCommits=False, only_tags=False, encoding="utf-8", name=None,
                 pollRandomDelayMin=0, pollRandomDelayMax=0, sshPrivateKey=None, sshHostKey=None,
                 sshKnownHosts=None, auth_credentials=None, git_credentials=None,
                 fetch_refspec=None, **legacy):
        if "pollinterval" in legacy:
            _legacy.deprecated("pollinterval", "pollInterval")
            pollInterval = legacy.pop("pollinterval")
        for key in legacy:
            error(f"GitPoller got an unexpected keyword argument '{key}'")
        if not repourl:
            error("GitPoller: repourl is required")
        if branch and branches:
            error("GitPoller: can't specify both branch and branches")
        if fetch_refspec is not None:
            # Buildbot 4.3 rejects it; the poller has fetched only the watched refs since 3.x.
            _legacy.warn("DEPRECATED: GitPoller(fetch_refspec=...) is no longer supported and is "
                         "ignored: only the watched branches are fetched")
        kwargs = dict(repourl=repourl, branches=branches or ([branch] if branch else None),
                      workdir=workdir, pollInterval=pollInterval, gitbin=gitbin,
                      usetimestamps=usetimestamps, category=category, project=project or "",
                      pollAtLaunch=pollAtLaunch, buildPushesWithNoCommits=buildPushesWithNoCommits,
                      only_tags=only_tags, encoding=encoding,
                      pollRandomDelayMin=pollRandomDelayMin, pollRandomDelayMax=pollRandomDelayMax,
                      sshPrivateKey=sshPrivateKey, sshHostKey=sshHostKey,
                      sshKnownHosts=sshKnownHosts, auth_credentials=auth_credentials,
                      git_credentials=git_credentials)
        super().__init__(**kwargs)
        self.name = name or repourl  # Buildbot names a GitPoller after its repourl

    def _describe(self):
        described = super()._describe()
        described["name"] = self.name
        return described
