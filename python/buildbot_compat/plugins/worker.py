"""``buildbot.plugins.worker``."""

from buildbot_compat.worker import (  # noqa: F401
    DockerLatentWorker, EC2LatentWorker, KubeLatentWorker, LibVirtWorker, LocalWorker,
    OpenStackLatentWorker, Worker,
)
