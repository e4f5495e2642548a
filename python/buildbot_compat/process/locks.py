"""``buildbot.process.locks``."""

from buildbot_compat.locks import *  # noqa: F401,F403
