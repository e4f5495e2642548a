"""``PBChangeSource``: the change port `buildbot sendchange` talks to."""

from buildbot_compat import _generic

PBChangeSource = _generic.described_class(__name__, "PBChangeSource")
