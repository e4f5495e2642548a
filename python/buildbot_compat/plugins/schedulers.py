"""``buildbot.plugins.schedulers``."""

from buildbot_compat.schedulers.basic import AnyBranchScheduler, SingleBranchScheduler  # noqa: F401
from buildbot_compat.schedulers.dependent import Dependent  # noqa: F401
from buildbot_compat.schedulers.forcesched import ForceScheduler  # noqa: F401
from buildbot_compat.schedulers.timed import Nightly, NightlyTriggerable, Periodic  # noqa: F401
from buildbot_compat.schedulers.triggerable import Triggerable  # noqa: F401
from buildbot_compat.schedulers.trysched import Try_Jobdir, Try_Userpass  # noqa: F401

from buildbot_compat.plugins._third_party import getattr_for as _getattr_for  # noqa: E402

__getattr__ = _getattr_for(__name__)
