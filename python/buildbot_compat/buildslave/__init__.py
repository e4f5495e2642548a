"""``buildbot.buildslave`` (0.8): ``BuildSlave`` is today's ``Worker``."""

from buildbot_compat import _legacy
from buildbot_compat.worker import Worker


class SlaveNaming:
    """The 0.8 attribute name of a worker's name."""

    @property
    def slavename(self):
        _legacy.deprecated("BuildSlave.slavename", "Worker.workername")
        return self.workername


class BuildSlave(SlaveNaming, Worker):
    def __init__(self, name, password, **kwargs):
        _legacy.deprecated("buildbot.buildslave.BuildSlave", "buildbot.plugins.worker.Worker")
        super().__init__(name, password, **kwargs)
