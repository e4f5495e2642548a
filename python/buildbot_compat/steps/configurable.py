"""``buildbot.steps.configurable``: steps oxbot describes; a build that reaches one fails with
"not supported yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

BuildbotCiSetupSteps = described_step(__name__, "BuildbotCiSetupSteps")
BuildbotTestCiTrigger = described_step(__name__, "BuildbotTestCiTrigger")
