"""``buildbot.changes.mail``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

MaildirSource = _generic.described_class(__name__, "MaildirSource")
CVSMaildirSource = _generic.described_class(__name__, "CVSMaildirSource")
SVNCommitEmailMaildirSource = _generic.described_class(__name__, "SVNCommitEmailMaildirSource")
BzrLaunchpadEmailMaildirSource = _generic.described_class(__name__, "BzrLaunchpadEmailMaildirSource")
