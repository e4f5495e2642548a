"""``buildbot.status.web.baseweb`` (0.8): where ``WebStatus`` is defined (``status.html``
re-exports it); the rest resolves to stand-ins saying "not supported yet by oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.status.html import WebStatus  # noqa: F401

__getattr__ = stand_in_getattr(__name__)
