"""``buildbot.steps.master``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

MasterShellCommand = described_step(__name__, "MasterShellCommand")
SetProperty = described_step(__name__, "SetProperty")
SetProperties = described_step(__name__, "SetProperties")
LogRenderable = described_step(__name__, "LogRenderable")
Assert = described_step(__name__, "Assert")
