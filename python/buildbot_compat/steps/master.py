"""``buildbot.steps.master``: steps that run on the master. The engine runs
``MasterShellCommand``, ``SetProperty`` and ``SetProperties``; ``LogRenderable`` runs in Python
at build time; a build that reaches another fails with "not supported yet by oxbot"."""

import pprint

from buildbot_compat._buildtime import resolve, succeed
from buildbot_compat.process.buildstep import BuildStep, described_step
from buildbot_compat.process.results import SUCCESS

# Buildbot 4.3: MasterShellCommand halts the build when it fails.
MasterShellCommand = described_step(__name__, "MasterShellCommand", haltOnFailure=True)
SetProperty = described_step(__name__, "SetProperty")
SetProperties = described_step(__name__, "SetProperties")


class LogRenderable(BuildStep):
    _runs_in_python = True
    name = "LogRenderable"
    description = ["Logging"]
    descriptionDone = ["Logged"]
    renderables = ["content"]

    def __init__(self, content, **kwargs):
        super().__init__(**kwargs)
        self.content = content

    def run(self):
        resolve(self.addCompleteLog(name="Output", text=pprint.pformat(self.content)))
        return succeed(SUCCESS)

Assert = described_step(__name__, "Assert")
