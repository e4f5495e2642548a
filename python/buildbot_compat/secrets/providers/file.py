"""``buildbot.secrets.providers.file``."""

from buildbot_compat.secrets import *  # noqa: F401,F403
