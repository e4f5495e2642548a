"""``buildbot.status.results`` (0.8): the result codes, now in ``buildbot.process.results``."""

from buildbot_compat.process.results import *  # noqa: F401,F403
