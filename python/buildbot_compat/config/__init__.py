"""``buildbot.config``: ``BuilderConfig``, ``error`` and ``ConfigErrors``."""

from buildbot_compat.config.builder import BuilderConfig
from buildbot_compat.config.errors import ConfigErrors, capture_config_errors, error

__all__ = ["BuilderConfig", "ConfigErrors", "capture_config_errors", "error"]
