"""``buildbot.plugins.reporters``."""

from buildbot_compat.reporters import *  # noqa: F401,F403

from buildbot_compat.plugins._third_party import getattr_for as _getattr_for  # noqa: E402

__getattr__ = _getattr_for(__name__)
