"""``buildbot.steps.python_twisted``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

Trial = described_step(__name__, "Trial")
RemovePYCs = described_step(__name__, "RemovePYCs")
HLint = described_step(__name__, "HLint")
