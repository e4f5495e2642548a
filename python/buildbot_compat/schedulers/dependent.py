"""``Dependent`` (Buildbot's ``schedulers/dependent.py``)."""

from buildbot_compat import _describe
from buildbot_compat.schedulers.base import BaseScheduler


class Dependent(BaseScheduler):
    def __init__(self, name, upstream, builderNames, **kwargs):
        self.upstream = upstream
        super().__init__(name, builderNames, **kwargs)

    def _args(self):
        args = super()._args()
        args["upstream"] = getattr(self.upstream, "name", _describe.value(self.upstream))
        return args
