"""``buildbot.steps.worker``: the engine runs the file-system steps; ``SetPropertiesFromEnv``
runs in Python at build time."""

from buildbot_compat._buildtime import resolve, succeed
from buildbot_compat.process.buildstep import BuildStep, described_step
from buildbot_compat.process.results import SUCCESS

# Buildbot 4.3's file-system steps halt the build when they fail.
MakeDirectory = described_step(__name__, "MakeDirectory", haltOnFailure=True)
RemoveDirectory = described_step(__name__, "RemoveDirectory", haltOnFailure=True)
CopyDirectory = described_step(__name__, "CopyDirectory", haltOnFailure=True)
FileExists = described_step(__name__, "FileExists", haltOnFailure=True)


class SetPropertiesFromEnv(BuildStep):
    """Properties from the worker's environment (as it was when the worker connected)."""

    _runs_in_python = True
    name = "SetPropertiesFromEnv"
    description = ["Setting"]
    descriptionDone = ["Set"]

    def __init__(self, variables, source="WorkerEnvironment", **kwargs):
        super().__init__(**kwargs)
        self.variables = variables
        self.source = source

    def run(self):
        # Windows environment names are case-insensitive; the worker sends them upper-cased.
        fold = self.worker.worker_system == "nt"
        environ = self.worker.worker_environ
        variables = [self.variables] if isinstance(self.variables, str) else self.variables
        lines = []
        for variable in variables:
            value = environ.get(variable.upper() if fold else variable)
            if value:
                self.setProperty(variable, value, self.source)
                lines.append(f"{variable} = {value!r}")
        resolve(self.addCompleteLog("properties", "\n".join(lines)))
        return succeed(SUCCESS)



class CompositeStepMixin:
    """Helpers for steps made of several remote commands (used by user steps)."""

