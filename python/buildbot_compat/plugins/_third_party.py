"""Third-party plugins: packages register their classes under Buildbot's entry point groups
(``buildbot.reporters``, ``buildbot.steps``...), and ``buildbot.plugins.<namespace>.<Name>``
finds them there, as Buildbot's plugin database does. Entry points into Buildbot's own
modules are left out: the shim provides (or names as not supported) those itself."""

import importlib.metadata
import sys


def getattr_for(module_name):
    namespace = module_name.rsplit(".", 1)[-1]
    public = f"buildbot.plugins.{namespace}"

    def __getattr__(name):
        if not name.startswith("__"):
            for ep in importlib.metadata.entry_points(group=f"buildbot.{namespace}"):
                if ep.name == name and not ep.value.startswith("buildbot."):
                    try:
                        value = ep.load()
                    except Exception as e:
                        raise AttributeError(f"Unable to load {ep.group}:{ep.name}: {e!s}") from e
                    setattr(sys.modules[module_name], name, value)
                    return value
            # Buildbot's plugin database words it so.
            raise AttributeError(f"Unknown component name: {name}")
        raise AttributeError(f"module {public!r} has no attribute {name!r}")

    return __getattr__
