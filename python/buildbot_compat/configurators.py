"""``buildbot.configurators``: ``ConfiguratorBase`` and ``JanitorConfigurator``. The loader runs
``c['configurators']`` first, as Buildbot's does, so what they add to the config (the janitor's
worker, builder and schedulers) is part of it. The janitor's steps are described for the
engine, which does not run them yet. Every other name resolves to a stand-in."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.process.buildstep import described_step

JANITOR_NAME = "__Janitor"

LogChunksJanitor = described_step(__name__ + ".janitor", "LogChunksJanitor")
BuildDataJanitor = described_step(__name__ + ".janitor", "BuildDataJanitor")


class ConfiguratorBase:
    def __init__(self):
        pass

    def configure(self, config_dict):
        self.config_dict = c = config_dict
        self.schedulers = c.setdefault("schedulers", [])
        self.protocols = c.setdefault("protocols", {})
        self.builders = c.setdefault("builders", [])
        self.workers = c.setdefault("workers", [])
        self.projects = c.setdefault("projects", [])
        self.secretsProviders = c.setdefault("secretsProviders", [])
        self.www = c.setdefault("www", {})


class JanitorConfigurator(ConfiguratorBase):
    """Adds the ``__Janitor`` builder (on a ``__Janitor`` local worker), run nightly at ``hour``
    (and ``minute``, ``dayOfMonth``, ``month``, ``dayOfWeek`` if given) and by a force
    scheduler, with a step per horizon given; nothing when no horizon is."""

    def __init__(self, logHorizon=None, hour=0, build_data_horizon=None, **kwargs):
        super().__init__()
        self.logHorizon = logHorizon
        self.build_data_horizon = build_data_horizon
        self.hour = hour
        self.kwargs = kwargs

    def configure(self, config_dict):
        from buildbot_compat.config import BuilderConfig
        from buildbot_compat.process.factory import BuildFactory
        from buildbot_compat.schedulers.forcesched import ForceScheduler
        from buildbot_compat.schedulers.timed import Nightly
        from buildbot_compat.worker import LocalWorker

        steps = []
        if self.logHorizon is not None:
            steps.append(LogChunksJanitor(logHorizon=self.logHorizon))
        if self.build_data_horizon is not None:
            steps.append(BuildDataJanitor(build_data_horizon=self.build_data_horizon))
        if not steps:
            return
        super().configure(config_dict)
        nightly = {k: self.kwargs[k] for k in ("minute", "dayOfMonth", "month", "dayOfWeek")
                   if k in self.kwargs}
        self.schedulers.append(
            Nightly(name=JANITOR_NAME, builderNames=[JANITOR_NAME], hour=self.hour, **nightly))
        self.schedulers.append(ForceScheduler(name=JANITOR_NAME + "_force", builderNames=[JANITOR_NAME]))
        self.builders.append(
            BuilderConfig(name=JANITOR_NAME, workername=JANITOR_NAME, factory=BuildFactory(steps=steps)))
        self.protocols.setdefault("null", {})
        self.workers.append(LocalWorker(JANITOR_NAME))


__getattr__ = stand_in_getattr(__name__)
