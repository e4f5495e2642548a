"""``buildbot.changes.github``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

GitHubPullrequestPoller = _generic.described_class(__name__, "GitHubPullrequestPoller")
