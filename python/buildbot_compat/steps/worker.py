"""``buildbot.steps.worker``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

MakeDirectory = described_step(__name__, "MakeDirectory")
RemoveDirectory = described_step(__name__, "RemoveDirectory")
CopyDirectory = described_step(__name__, "CopyDirectory")
FileExists = described_step(__name__, "FileExists")
SetPropertiesFromEnv = described_step(__name__, "SetPropertiesFromEnv")


class CompositeStepMixin:
    """Helpers for steps made of several remote commands (used by user steps)."""

