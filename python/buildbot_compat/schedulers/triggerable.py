"""``Triggerable`` (Buildbot's ``schedulers/triggerable.py``)."""

from buildbot_compat.schedulers.base import BaseScheduler


class Triggerable(BaseScheduler):
    def __init__(self, name, builderNames, **kwargs):
        super().__init__(name, builderNames, **kwargs)
