"""``buildbot.worker``: workers. Latent workers are described so configs load; the engine
reports them as not supported yet."""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error


class AbstractWorker(_describe.Described):
    _unsupported = None

    def __init__(self, name, password=None, max_builds=None, notify_on_missing=None,
                 missing_timeout=None, properties=None, defaultProperties=None, locks=None,
                 keepalive_interval=None, machine_name=None, **kwargs):
        if not isinstance(name, str):
            error(f"worker name {name!r} is not a string")
        if name in ("debug", "change", "status"):
            error(f"worker name '{name}' is reserved")
        self.workername = self.name = name
        self.password = password
        self.max_builds = max_builds
        self.properties = properties or {}
        self.defaultProperties = defaultProperties or {}
        self.extra = kwargs
        if kwargs and self._unsupported is None:
            error(f"{type(self).__name__}.__init__ got an unexpected keyword argument '{next(iter(kwargs))}'")

    def _describe(self):
        return {
            "name": self.name,
            "password": "" if self.password is None else str(self.password),
            "max_builds": self.max_builds,
            "properties": _describe.value(self.properties),
            "unsupported_kind": self._unsupported,
        }


class Worker(AbstractWorker):
    def __init__(self, name, password, **kwargs):
        super().__init__(name, password, **kwargs)


class AbstractLatentWorker(AbstractWorker):
    pass


def _latent(name):
    return type(name, (AbstractLatentWorker,), {"_unsupported": name, "__module__": __name__})


DockerLatentWorker = _latent("DockerLatentWorker")
EC2LatentWorker = _latent("EC2LatentWorker")
KubeLatentWorker = _latent("KubeLatentWorker")
LibVirtWorker = _latent("LibVirtWorker")
OpenStackLatentWorker = _latent("OpenStackLatentWorker")
LocalWorker = _latent("LocalWorker")
