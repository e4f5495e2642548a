"""``buildbot.buildslave.ec2`` (0.8): ``EC2LatentBuildSlave`` is today's ``EC2LatentWorker``
(which oxbot reports as not supported yet)."""

from buildbot_compat import _legacy
from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.buildslave import SlaveNaming
from buildbot_compat.worker import EC2LatentWorker


class EC2LatentBuildSlave(SlaveNaming, EC2LatentWorker):
    def __init__(self, name, password, instance_type=None, ami=None, **kwargs):
        _legacy.deprecated("buildbot.buildslave.ec2.EC2LatentBuildSlave",
                           "buildbot.plugins.worker.EC2LatentWorker")
        super().__init__(name, password, instance_type=instance_type, ami=ami, **kwargs)


__getattr__ = stand_in_getattr(__name__)
