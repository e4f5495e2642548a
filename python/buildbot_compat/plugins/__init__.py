"""``buildbot.plugins``: the namespaces configs use (``from buildbot.plugins import *``)."""

from buildbot_compat.plugins import changes, reporters, schedulers, secrets, steps, util, webhooks, worker
# The 0.8.10-0.8.14 namespaces, before `worker` and `reporters`.
from buildbot_compat.plugins import buildslave, status

__all__ = ["changes", "reporters", "schedulers", "secrets", "steps", "util", "webhooks", "worker",
           "buildslave", "status"]
