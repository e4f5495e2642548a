"""Timed schedulers (Buildbot's ``schedulers/timed.py``)."""

from buildbot_compat.schedulers.base import BaseScheduler


class Periodic(BaseScheduler):
    def __init__(self, name, builderNames, periodicBuildTimer=None, reason=None, **kwargs):
        super().__init__(name, builderNames, periodicBuildTimer=periodicBuildTimer, reason=reason, **kwargs)


class Nightly(BaseScheduler):
    def __init__(self, name, builderNames, minute=0, hour="*", dayOfMonth="*", month="*",
                 dayOfWeek="*", **kwargs):
        super().__init__(name, builderNames, minute=minute, hour=hour, dayOfMonth=dayOfMonth,
                         month=month, dayOfWeek=dayOfWeek, **kwargs)


class NightlyTriggerable(Nightly):
    pass
