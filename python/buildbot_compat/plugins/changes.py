"""``buildbot.plugins.changes``."""

from buildbot_compat.changes.bitbucket import BitbucketPullrequestPoller  # noqa: F401
from buildbot_compat.changes.gerritchangesource import GerritChangeSource, GerritEventLogPoller  # noqa: F401
from buildbot_compat.changes.github import GitHubPullrequestPoller  # noqa: F401
from buildbot_compat.changes.gitpoller import GitPoller  # noqa: F401
from buildbot_compat.changes.hgpoller import HgPoller  # noqa: F401
from buildbot_compat.changes.mail import (  # noqa: F401
    BzrLaunchpadEmailMaildirSource, CVSMaildirSource, MaildirSource, SVNCommitEmailMaildirSource,
)
from buildbot_compat.changes.p4poller import P4Source  # noqa: F401
from buildbot_compat.changes.pb import PBChangeSource  # noqa: F401
from buildbot_compat.changes.svnpoller import SVNPoller  # noqa: F401

from buildbot_compat.plugins._third_party import getattr_for as _getattr_for  # noqa: E402

__getattr__ = _getattr_for(__name__)
