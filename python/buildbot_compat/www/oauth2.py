"""``buildbot.www.oauth2``."""

from buildbot_compat.www import *  # noqa: F401,F403
