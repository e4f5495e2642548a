"""``buildbot.steps.package``."""
