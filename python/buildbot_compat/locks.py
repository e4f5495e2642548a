"""``buildbot.locks``: master and worker locks, described for the engine."""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error


class BaseLock(_describe.Described):
    kind = None

    def __init__(self, name, maxCount=1, **kwargs):
        if not isinstance(name, str):
            error(f"lock name must be a string: {name!r}")
        self.name = name
        self.maxCount = maxCount
        self.kwargs = kwargs

    def access(self, mode, count=1):
        if mode not in ("counting", "exclusive"):
            error("mode must be 'counting' or 'exclusive'")
        if not isinstance(count, int) or count < 0:
            error(f"lock access count must be a non-negative integer: {count!r}")
        if mode == "exclusive" and count != 1:
            error("an exclusive lock access has a count of 1")
        return LockAccess(self, mode, count)

    def defaultAccess(self):
        return self.access("counting")

    def _describe(self):
        return {"$lock": self.kind, "name": self.name, "maxCount": self.maxCount,
                **{k: _describe.value(v) for k, v in self.kwargs.items()}}


class MasterLock(BaseLock):
    kind = "MasterLock"


class WorkerLock(BaseLock):
    kind = "WorkerLock"

    def __init__(self, name, maxCount=1, maxCountForWorker=None, **kwargs):
        super().__init__(name, maxCount, maxCountForWorker=maxCountForWorker, **kwargs)


class LockAccess(_describe.Described):
    def __init__(self, lockid, mode, count=1):
        self.lockid = lockid
        self.mode = mode
        self.count = count

    def _describe(self):
        return {"$lock_access": self.mode, "lock": self.lockid._describe(), "count": self.count}


class SlaveLock(WorkerLock):
    """0.8's name for ``WorkerLock``; ``maxCountForSlave`` is ``maxCountForWorker``."""

    def __init__(self, name, maxCount=1, maxCountForSlave=None, maxCountForWorker=None, **kwargs):
        from buildbot_compat import _legacy

        _legacy.deprecated("buildbot.locks.SlaveLock", "buildbot.locks.WorkerLock")
        if maxCountForSlave is not None:
            _legacy.deprecated("SlaveLock(maxCountForSlave=...)", "maxCountForWorker")
            maxCountForWorker = maxCountForSlave
        super().__init__(name, maxCount, maxCountForWorker=maxCountForWorker, **kwargs)
