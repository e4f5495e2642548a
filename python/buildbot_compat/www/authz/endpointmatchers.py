"""``buildbot.www.authz.endpointmatchers``."""

from buildbot_compat.www import *  # noqa: F401,F403
