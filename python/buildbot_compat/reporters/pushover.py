"""``buildbot.reporters.pushover``."""

from buildbot_compat.reporters import *  # noqa: F401,F403
