"""``buildbot.process.build.Build``: Buildbot's build object. oxbot's engine runs builds
itself, so this class only lets configs name it: a subclass set as a factory's ``buildClass``
is reported by the engine, and a method a config replaces on it (0.8 configs patched
``Build.stopBuild``) is named by checkconfig as not supported. Other names of the module
resolve to stand-ins saying "not supported yet by oxbot: <name>"."""

from buildbot_compat import _legacy
from buildbot_compat._generic import stand_in_getattr


class _Patchable(type):
    def __setattr__(cls, name, value):
        if not name.startswith("__"):
            _legacy.warn(f"not supported yet by oxbot: replacing {cls.__name__}.{name} of "
                         "buildbot.process.build (oxbot's engine does not run this class)")
        super().__setattr__(name, value)


class Build(metaclass=_Patchable):
    def __init__(self, requests=None, *args, **kwargs):
        self.requests = requests

    def _engine_only(self, name):
        raise NotImplementedError(f"not supported yet by oxbot: buildbot.process.build.Build.{name}")

    def stopBuild(self, reason="<no reason given>", results=None):
        self._engine_only("stopBuild")

    def startBuild(self, *args, **kwargs):
        self._engine_only("startBuild")

    def setupBuild(self, *args, **kwargs):
        self._engine_only("setupBuild")

    def buildFinished(self, *args, **kwargs):
        self._engine_only("buildFinished")


__getattr__ = stand_in_getattr(__name__)
