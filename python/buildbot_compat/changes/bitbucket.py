"""``buildbot.changes.bitbucket``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

BitbucketPullrequestPoller = _generic.described_class(__name__, "BitbucketPullrequestPoller")
