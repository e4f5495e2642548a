"""``twisted.internet`` (minimal, see ``buildbot_compat._twisted``)."""
