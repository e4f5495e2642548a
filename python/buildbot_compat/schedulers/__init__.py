"""``buildbot.schedulers``: what turns changes, timers and forms into build requests."""
