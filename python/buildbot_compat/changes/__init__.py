"""``buildbot.changes``: change sources and filters."""
