"""``buildbot.status.web`` (0.8)."""
