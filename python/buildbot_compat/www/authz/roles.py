"""``buildbot.www.authz.roles``."""

from buildbot_compat.www import *  # noqa: F401,F403
