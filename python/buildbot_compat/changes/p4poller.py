"""``buildbot.changes.p4poller``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

P4Source = _generic.described_class(__name__, "P4Source")
