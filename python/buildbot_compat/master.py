"""``buildbot.master``: ``BuildMaster`` as ``buildbot.tac`` uses it (constructed and attached to
the application; oxbot's command line reads only the tac's ``configfile``). Every other name
resolves to a stand-in whose description says "not supported yet by oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr


class _LogRotation:
    def __init__(self):
        self.rotateLength = 1000000
        self.maxRotatedFiles = 10


class BuildMaster:
    def __init__(self, basedir, configFileName=None, umask=None, reactor=None, config_loader=None):
        self.basedir = basedir
        self.configFileName = configFileName or "master.cfg"
        self.umask = umask
        self.log_rotation = _LogRotation()

    def setServiceParent(self, parent):
        return None


__getattr__ = stand_in_getattr(__name__)
