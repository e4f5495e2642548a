"""``buildbot.steps.source``: source checkout steps."""
