"""``buildbot.plugins.buildslave`` (0.8.10-0.8.14): the namespace that became ``worker``."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.buildslave import BuildSlave  # noqa: F401
from buildbot_compat.buildslave.ec2 import EC2LatentBuildSlave  # noqa: F401

__getattr__ = stand_in_getattr(__name__)
