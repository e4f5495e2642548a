"""``buildbot.plugins.worker``."""

from buildbot_compat.worker import (  # noqa: F401
    DockerLatentWorker, EC2LatentWorker, KubeLatentWorker, LibVirtWorker, LocalWorker,
    OpenStackLatentWorker, Worker,
)

from buildbot_compat.plugins._third_party import getattr_for as _getattr_for  # noqa: E402

__getattr__ = _getattr_for(__name__)
