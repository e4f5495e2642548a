"""``buildbot.reporters.base``: ``ReporterBase``, the base of reporters a config defines
itself; its ``checkConfig`` checks the generators as Buildbot's does and names the reporter
after its class and generators when no name is given. The reporters of
``buildbot.reporters`` are here too."""

from buildbot_compat import config
from buildbot_compat.reporters import *  # noqa: F401,F403
from buildbot_compat.util.service import BuildbotService

ENCODING = "utf-8"


class ReporterBase(BuildbotService):
    def checkConfig(self, generators):
        if not isinstance(generators, list):
            config.error("{}: generators argument must be a list")
        for g in generators:
            g.check()
        if self.name is None:
            self.name = type(self).__name__
            for g in generators:
                self.name += "_" + g.generate_name()
