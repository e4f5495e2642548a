"""``buildbot.secrets.providers.vault_hvac``."""

from buildbot_compat.secrets import *  # noqa: F401,F403
