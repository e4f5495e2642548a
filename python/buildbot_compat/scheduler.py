"""``buildbot.scheduler`` (0.8): the module that gathered the scheduler classes before they
moved to ``buildbot.schedulers.*``. Each name is today's class, reported once as deprecated."""

import importlib

# 0.8 name -> (module under buildbot.schedulers, today's name)
_MOVED = {
    "Scheduler": ("basic", "Scheduler"),
    "AnyBranchScheduler": ("basic", "AnyBranchScheduler"),
    "Dependent": ("dependent", "Dependent"),
    "Periodic": ("timed", "Periodic"),
    "Nightly": ("timed", "Nightly"),
    "Triggerable": ("triggerable", "Triggerable"),
    "Try_Jobdir": ("trysched", "Try_Jobdir"),
    "Try_Userpass": ("trysched", "Try_Userpass"),
}


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module 'buildbot.scheduler' has no attribute {name!r}")
    from buildbot_compat import _legacy

    module, new = _MOVED[name]
    if name != "Scheduler":  # the class itself says it is today's SingleBranchScheduler
        _legacy.deprecated(f"buildbot.scheduler.{name}", f"buildbot.schedulers.{module}.{new}")
    return getattr(importlib.import_module(f"buildbot_compat.schedulers.{module}"), new)
