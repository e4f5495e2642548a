"""``twisted.application`` (stand-in): what ``buildbot.tac`` files use."""
