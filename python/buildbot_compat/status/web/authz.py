"""``buildbot.status.web.authz.Authz`` (0.8): described; today's authz is ``util.Authz``."""

from buildbot_compat import _generic

Authz = _generic.described_class(__name__, "Authz")
