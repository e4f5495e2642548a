"""``buildbot.buildslave`` (0.8): ``BuildSlave`` is today's ``Worker``."""

from buildbot_compat import _legacy
from buildbot_compat.worker import Worker


class BuildSlave(Worker):
    def __init__(self, name, password, **kwargs):
        _legacy.deprecated("buildbot.buildslave.BuildSlave", "buildbot.plugins.worker.Worker")
        super().__init__(name, password, **kwargs)
