"""Third-party plugins: packages register their classes under Buildbot's entry point groups
(``buildbot.reporters``, ``buildbot.steps``...), and ``buildbot.plugins.<namespace>.<Name>``
finds them there, as Buildbot's plugin database does. Entry points into Buildbot's own
modules are left out: the shim provides (or names as not supported) those itself."""

import importlib
import sys


def getattr_for(module_name):
    namespace = module_name.rsplit(".", 1)[-1]
    public = f"buildbot.plugins.{namespace}"

    def __getattr__(name):
        if not name.startswith("__"):
            # Imported here: importlib.metadata costs memory a config without plugins
            # does not need.
            import importlib.metadata

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


def lazy_namespace(module_name, where, fallback=None):
    """A namespace whose names (``{module: [names]}``) are imported when first used, as
    Buildbot's plugin database loads a plugin's module only when the config names it: a master
    does not keep every step, scheduler and reporter module of the shim in memory. Returns
    ``(__getattr__, __dir__, __all__)`` for the namespace module; names it does not list go to
    ``fallback`` (by default, the third-party plugins)."""
    module_of = {name: module for module, names in where.items() for name in names}
    fallback = fallback or getattr_for(module_name)

    def __getattr__(name):
        module = module_of.get(name)
        if module is None:
            return fallback(name)
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[module_name], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[module_name])) | set(module_of))

    return __getattr__, __dir__, sorted(module_of)
