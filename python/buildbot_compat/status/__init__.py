"""``buildbot.status`` (0.8): status targets, from before the web UI and reporters of today."""
