"""``buildbot.buildslave`` (0.8): ``BuildSlave`` is today's ``Worker``."""

from buildbot_compat import _legacy
from buildbot_compat.worker import Worker


class SlaveNaming:
    """The 0.8 attribute name of a worker's name."""

    @property
    def slavename(self):
        _legacy.deprecated("BuildSlave.slavename", "Worker.workername")
        return self.workername


# 0.8 took these after the name and password positionally too.
_POSITIONAL = ("max_builds", "notify_on_missing", "missing_timeout", "properties", "locks",
               "keepalive_interval")


class BuildSlave(SlaveNaming, Worker):
    def __init__(self, name, password, *args, **kwargs):
        _legacy.deprecated("buildbot.buildslave.BuildSlave", "buildbot.plugins.worker.Worker")
        if len(args) > len(_POSITIONAL):
            raise TypeError(f"BuildSlave() takes at most {len(_POSITIONAL) + 2} positional "
                            f"arguments ({len(args) + 2} given)")
        for key, value in zip(_POSITIONAL, args):
            if key in kwargs:
                raise TypeError(f"BuildSlave() got multiple values for argument '{key}'")
            kwargs[key] = value
        super().__init__(name, password, **kwargs)
