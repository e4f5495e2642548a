"""``buildbot.changes.hgpoller``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

HgPoller = _generic.described_class(__name__, "HgPoller")
