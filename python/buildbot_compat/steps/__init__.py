"""``buildbot.steps``: the built-in steps."""
