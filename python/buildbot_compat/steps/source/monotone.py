"""``buildbot.steps.source.monotone``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step
from buildbot_compat.steps.source.base import Source

Monotone = described_step(__name__, "Monotone", base=Source)
