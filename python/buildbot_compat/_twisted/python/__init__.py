"""``twisted.python`` (minimal, see ``buildbot_compat._twisted``)."""
