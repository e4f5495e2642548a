"""``buildbot.plugins``: the namespaces configs use (``from buildbot.plugins import *``)."""

from buildbot_compat.plugins import changes, reporters, schedulers, secrets, steps, util, webhooks, worker

__all__ = ["changes", "reporters", "schedulers", "secrets", "steps", "util", "webhooks", "worker"]
