"""``twisted.internet`` (minimal, see ``buildbot_compat._twisted``)."""

from buildbot_compat._twisted import missing_getattr

__getattr__ = missing_getattr(__name__)
