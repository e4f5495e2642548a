"""The settings every scheduler has (Buildbot's ``schedulers/base.py``)."""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error


class BaseScheduler(_describe.Described):
    def __init__(self, name, builderNames, properties=None, codebases=None, priority=None, **kwargs):
        if not isinstance(name, str):
            error("scheduler name must be a string")
        self.name = name
        ok = isinstance(builderNames, (list, tuple)) and all(isinstance(b, str) for b in builderNames)
        if not ok and not hasattr(builderNames, "_describe"):
            # Buildbot's wording, missing space included.
            error("The builderNames argument to a scheduler must be a list of Builder names or an "
                  "IRenderable object that will renderto a list of builder names.")
            builderNames = []
        self.builderNames = builderNames
        if properties is not None and not isinstance(properties, dict):
            error("the 'properties' argument must be a dict")
        self.properties = properties or {}
        self.codebases = codebases
        self.priority = priority
        self.kwargs = kwargs

    def listBuilderNames(self):
        return self.builderNames

    def _kind(self):
        for klass in type(self).__mro__:
            if klass.__module__.startswith("buildbot_compat."):
                return klass.__name__
        return type(self).__name__

    def _args(self):
        return {k: _describe.value(v) for k, v in self.kwargs.items() if v is not None}

    def _describe(self):
        args = self._args()
        if self.priority is not None:
            args["priority"] = _describe.value(self.priority)
        return {
            "kind": self._kind(),
            "name": self.name,
            "builder_names": list(self.builderNames) if isinstance(self.builderNames, (list, tuple)) else [],
            "properties": _describe.value(self.properties),
            "codebases": _describe.value(self.codebases),
            "args": args,
        }
