"""``buildbot.www.avatar``."""

from buildbot_compat.www import *  # noqa: F401,F403
