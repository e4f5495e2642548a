"""``buildbot.steps.slave`` (0.8): the worker-side file steps, now ``buildbot.steps.worker``."""

from buildbot_compat.steps.worker import *  # noqa: F401,F403
