"""A minimal stand-in for Twisted, for configs that import it (``from twisted.internet import
defer``, ``from twisted.python import log``) when the real Twisted is not installed. It is
served under the name ``twisted`` only then (see ``_alias``). Deferreds here are synchronous:
``inlineCallbacks`` runs its generator to the end, resolving each yielded value at once."""

import importlib
import importlib.util


def missing_getattr(package):
    """A package ``__getattr__`` that imports the stand-in's own submodules and, for any other
    name, says that it needs the real Twisted (rather than Python's "cannot import name ... from
    buildbot_compat._twisted...")."""
    # Loaded as `twisted.internet` (found on the stand-in's path) or under the shim's name.
    public = "twisted" + package[len(__name__):] if package.startswith(__name__) else package

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        if importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")
        raise ModuleNotFoundError(
            f"No module named '{public}.{name}': oxbot's minimal stand-in for Twisted has only "
            "twisted.internet.defer/reactor and twisted.python.log/failure; install Twisted "
            "for the rest", name=f"{public}.{name}")

    return __getattr__


__getattr__ = missing_getattr(__name__)
