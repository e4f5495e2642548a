"""``buildbot.worker.docker``."""

from buildbot_compat.worker import *  # noqa: F401,F403
from buildbot_compat.worker import AbstractLatentWorker, AbstractWorker  # noqa: F401
