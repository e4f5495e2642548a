"""``buildbot.process.base`` (0.8): where ``Build`` lived before ``buildbot.process.build``.
Other names resolve to stand-ins whose description says "not supported yet by oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.process.build import Build  # noqa: F401

__getattr__ = stand_in_getattr(__name__)
