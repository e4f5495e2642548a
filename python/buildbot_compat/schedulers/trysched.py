"""Try schedulers: described; the engine reports them as not supported yet."""

from buildbot_compat.schedulers.base import BaseScheduler


class Try_Jobdir(BaseScheduler):
    def __init__(self, name, builderNames, jobdir=None, **kwargs):
        super().__init__(name, builderNames, jobdir=jobdir, **kwargs)


class Try_Userpass(BaseScheduler):
    def __init__(self, name, builderNames, port=None, userpass=None, **kwargs):
        super().__init__(name, builderNames, port=port, userpass=userpass, **kwargs)
