"""``buildbot.plugins.worker``."""

from buildbot_compat.plugins._third_party import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "buildbot_compat.worker": [
        "DockerLatentWorker", "EC2LatentWorker", "KubeLatentWorker", "LibVirtWorker", "LocalWorker",
        "OpenStackLatentWorker", "Worker",
    ],
})
