"""Change-driven schedulers (Buildbot's ``schedulers/basic.py``)."""

from buildbot_compat import _legacy
from buildbot_compat.config.errors import error
from buildbot_compat.schedulers.base import BaseScheduler


class BaseBasicScheduler(BaseScheduler):
    def __init__(self, name, shouldntBeSet=None, treeStableTimer=None, builderNames=None,
                 branch=None, branches=None, fileIsImportant=None, categories=None,
                 reason="The %(classname)s scheduler named '%(name)s' triggered this build",
                 change_filter=None, onlyImportant=False, **kwargs):
        if shouldntBeSet is not None:
            error("use keyword arguments to create a scheduler")
        if fileIsImportant is not None and not callable(fileIsImportant):
            error("fileIsImportant must be a callable")
        super().__init__(name, builderNames, treeStableTimer=treeStableTimer, branch=branch,
                         branches=branches, fileIsImportant=fileIsImportant, categories=categories,
                         reason=reason, change_filter=change_filter, onlyImportant=onlyImportant,
                         **kwargs)


class SingleBranchScheduler(BaseBasicScheduler):
    pass


class AnyBranchScheduler(BaseBasicScheduler):
    pass


class Scheduler(SingleBranchScheduler):
    """The 0.8 name of ``SingleBranchScheduler``."""

    def __init__(self, *args, **kwargs):
        _legacy.deprecated("Scheduler", "SingleBranchScheduler")
        super().__init__(*args, **kwargs)

    def _kind(self):
        return "SingleBranchScheduler"


def __getattr__(name):
    # Buildbot 4.3 keeps the old name alive, deprecated (since 4.3.0).
    if name == "Dependent":
        from buildbot_compat.schedulers.dependent import Dependent

        _legacy.deprecated("buildbot.schedulers.basic.Dependent", "buildbot.schedulers.dependent.Dependent")
        return Dependent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
