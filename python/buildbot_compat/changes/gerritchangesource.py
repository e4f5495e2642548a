"""``buildbot.changes.gerritchangesource``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

GerritChangeSource = _generic.described_class(__name__, "GerritChangeSource")
GerritEventLogPoller = _generic.described_class(__name__, "GerritEventLogPoller")
