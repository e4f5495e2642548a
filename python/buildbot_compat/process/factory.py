"""``BuildFactory``: the ordered steps of a builder."""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error


class BuildFactory(_describe.Described):
    buildClass = None
    useProgress = True
    workdir = "build"

    def __init__(self, steps=None):
        self.steps = []
        if steps:
            self.addSteps(steps)

    def addStep(self, step):
        from buildbot_compat.process.buildstep import BuildStep

        if not isinstance(step, BuildStep):
            error(f"{step!r} is not a BuildStep nor an IBuildStepFactory")
            return
        self.steps.append(step)

    def addSteps(self, steps, withSecrets=None):
        for step in steps:
            self.addStep(step)

    def _describe(self):
        unsupported = None
        if self.buildClass is not None:
            unsupported = f"build factory {type(self).__name__} with a custom buildClass"
        return {"steps": [s._describe() for s in self.steps], "unsupported_kind": unsupported}
