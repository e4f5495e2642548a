"""``buildbot.steps.package.rpm``."""
