"""``buildbot.plugins.schedulers``."""

from buildbot_compat.plugins._third_party import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "buildbot_compat.schedulers.basic": ["AnyBranchScheduler", "SingleBranchScheduler"],
    "buildbot_compat.schedulers.dependent": ["Dependent"],
    "buildbot_compat.schedulers.forcesched": ["ForceScheduler"],
    "buildbot_compat.schedulers.timed": ["Nightly", "NightlyTriggerable", "Periodic"],
    "buildbot_compat.schedulers.triggerable": ["Triggerable"],
    "buildbot_compat.schedulers.trysched": ["Try_Jobdir", "Try_Userpass"],
})
