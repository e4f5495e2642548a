"""``buildbot.steps.python``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

PyFlakes = described_step(__name__, "PyFlakes")
PyLint = described_step(__name__, "PyLint")
Sphinx = described_step(__name__, "Sphinx")
BuildEPYDoc = described_step(__name__, "BuildEPYDoc")
