"""``buildbot.util.service``: ``BuildbotService``, the base of reporters and other services a
config defines itself. Its constructor follows Buildbot's: ``name=`` (or the class attribute
``name``) names it, the other arguments go to ``checkConfig``, which may raise config errors.
oxbot describes the service by its class and arguments; the engine does not run Python
services yet and reports each as not supported. Every other name resolves to a stand-in."""

from buildbot_compat import _generic
from buildbot_compat._generic import stand_in_getattr


class BuildbotService(_generic.DescribedObject):
    name = None

    def __init__(self, *args, **kwargs):
        name = kwargs.pop("name", None)
        if name is not None:
            self.name = name.decode() if isinstance(name, bytes) else name
        self.checkConfig(*args, **kwargs)
        if self.name is None:
            raise ValueError(f"{type(self)}: must pass a name to constructor")
        super().__init__(*args, **kwargs)

    def checkConfig(self, *args, **kwargs):
        return None

    def reconfigService(self, *args, **kwargs):
        return None

    def _describe(self):
        out = super()._describe()
        out["name"] = self.name
        return out


__getattr__ = stand_in_getattr(__name__)
