"""``buildbot.steps.package.rpm.mock``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

Mock = described_step(__name__, "Mock")
MockBuildSRPM = described_step(__name__, "MockBuildSRPM")
MockRebuild = described_step(__name__, "MockRebuild")
