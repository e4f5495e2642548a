"""``buildbot.steps.package.deb.pbuilder``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

DebPbuilder = described_step(__name__, "DebPbuilder")
DebCowbuilder = described_step(__name__, "DebCowbuilder")
UbuPbuilder = described_step(__name__, "UbuPbuilder")
UbuCowbuilder = described_step(__name__, "UbuCowbuilder")
