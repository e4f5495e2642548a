"""``buildbot.steps.package.deb``."""
