"""``buildbot.plugins.changes``."""

from buildbot_compat.plugins._third_party import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "buildbot_compat.changes.bitbucket": ["BitbucketPullrequestPoller"],
    "buildbot_compat.changes.gerritchangesource": ["GerritChangeSource", "GerritEventLogPoller"],
    "buildbot_compat.changes.github": ["GitHubPullrequestPoller"],
    "buildbot_compat.changes.gitpoller": ["GitPoller"],
    "buildbot_compat.changes.hgpoller": ["HgPoller"],
    "buildbot_compat.changes.mail": [
        "BzrLaunchpadEmailMaildirSource", "CVSMaildirSource", "MaildirSource",
        "SVNCommitEmailMaildirSource",
    ],
    "buildbot_compat.changes.p4poller": ["P4Source"],
    "buildbot_compat.changes.pb": ["PBChangeSource"],
    "buildbot_compat.changes.svnpoller": ["SVNPoller"],
})
