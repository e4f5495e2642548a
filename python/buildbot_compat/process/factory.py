"""``BuildFactory``: the ordered steps of a builder."""

from buildbot_compat import _describe, _legacy
from buildbot_compat.config.errors import error


def s(steptype, **kwargs):
    """0.8's step specification: the step ``steptype(**kwargs)``."""
    _legacy.deprecated("buildbot.process.factory.s(StepClass, **kwargs)", "StepClass(**kwargs)")
    return steptype(**kwargs)


class BuildFactory(_describe.Described):
    buildClass = None
    useProgress = True
    workdir = "build"

    def __init__(self, steps=None):
        self.steps = []
        if steps:
            self.addSteps(steps)

    def addStep(self, step, **kwargs):
        from buildbot_compat.process.buildstep import BuildStep

        if isinstance(step, type) and issubclass(step, BuildStep):
            # 0.8: `addStep(ShellCommand, command=...)`, the class and its arguments.
            _legacy.deprecated("addStep(StepClass, **kwargs)", "addStep(StepClass(**kwargs))")
            step = step(**kwargs)
        elif kwargs:
            error(f"addStep() takes a step and no keyword arguments (got {sorted(kwargs)})")
            return
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
