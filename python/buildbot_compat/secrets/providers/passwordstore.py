"""``buildbot.secrets.providers.passwordstore``."""

from buildbot_compat.secrets import *  # noqa: F401,F403
