"""``buildbot.steps.subunit``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

SubunitShellCommand = described_step(__name__, "SubunitShellCommand")
