"""``buildbot.status.logfile`` (0.8): the log channel numbers; the old log file classes, which
oxbot does not provide, resolve to stand-ins whose description says "not supported yet by
oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr

STDOUT = 0
STDERR = 1
HEADER = 2

__getattr__ = stand_in_getattr(__name__)
