"""Timed schedulers (Buildbot's ``schedulers/timed.py``)."""

from buildbot_compat import _describe
from buildbot_compat.schedulers.base import BaseScheduler

# ``branch`` not given: changes on every branch count (Buildbot's ``Timed.NoBranch``).
_NO_BRANCH = object()


class _Timed(BaseScheduler):
    """Keeps ``branch=None`` in the description: for a timed scheduler it means the default
    branch only, unlike a ``branch`` not given (the other ``None`` arguments are dropped)."""

    def __init__(self, name, builderNames, branch=_NO_BRANCH, **kwargs):
        super().__init__(name, builderNames, **kwargs)
        self._branch = branch

    def _args(self):
        args = super()._args()
        if self._branch is not _NO_BRANCH:
            args["branch"] = _describe.value(self._branch)
        return args


class Periodic(_Timed):
    def __init__(self, name, builderNames, periodicBuildTimer=None, reason=None, **kwargs):
        super().__init__(name, builderNames, periodicBuildTimer=periodicBuildTimer, reason=reason, **kwargs)


class Nightly(_Timed):
    def __init__(self, name, builderNames, minute=0, hour="*", dayOfMonth="*", month="*",
                 dayOfWeek="*", **kwargs):
        super().__init__(name, builderNames, minute=minute, hour=hour, dayOfMonth=dayOfMonth,
                         month=month, dayOfWeek=dayOfWeek, **kwargs)


class NightlyTriggerable(Nightly):
    pass
