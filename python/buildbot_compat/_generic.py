"""Config objects oxbot describes by their Buildbot class name and arguments, for sections
whose engine side reads the arguments itself (change sources, reporters, secrets providers...).
A kind the engine does not run yet is reported by the engine, naming it."""

import importlib
import importlib.util

from buildbot_compat import _describe


class DescribedObject(_describe.Described):
    """Keeps its positional and keyword arguments and describes them."""

    # Set on stand-ins for names oxbot does not support yet: the message the engine reports.
    _unsupported = None

    # Keyword arguments of older Buildbot versions and what replaced them.
    _legacy_kwargs = {}

    def __init__(self, *args, **kwargs):
        from buildbot_compat import _legacy

        for old, new in self._legacy_kwargs.items():
            if old in kwargs:
                _legacy.deprecated(f"{type(self).__name__}({old}=...)", new)
        self._args = args
        self._kwargs = kwargs

    def _kind(self):
        for klass in type(self).__mro__:
            if klass.__module__.startswith("buildbot_compat."):
                return klass.__name__
        return type(self).__name__

    def _describe(self):
        args = {k: _describe.value(v) for k, v in self._kwargs.items()}
        if self._args:
            args["args"] = _describe.value(self._args)
        out = {"kind": self._kind(), "name": self._kwargs.get("name") or self._kind(), "args": args}
        if self._unsupported:
            out["unsupported"] = self._unsupported
        return out


def described_class(module, name, base=DescribedObject, legacy_kwargs=None):
    return type(name, (base,), {"__module__": module, "_legacy_kwargs": legacy_kwargs or {}})


def stand_in_getattr(module_name):
    """A module ``__getattr__`` for Buildbot modules oxbot does not provide yet: every public
    name resolves (so imports and subclassing work), to a class whose description says
    "not supported yet by oxbot: buildbot.<module>.<Name>"."""
    public_module = "buildbot" + module_name[len("buildbot_compat"):]
    made = {}

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        # `from buildbot.X import submodule` asks the package first: a real submodule wins.
        try:
            submodule = importlib.util.find_spec(f"{module_name}.{name}")
        except (ImportError, ValueError):
            submodule = None
        if submodule is not None:
            return importlib.import_module(f"{module_name}.{name}")
        if name not in made:
            made[name] = type(name, (DescribedObject,), {
                "__module__": module_name,
                "_unsupported": f"not supported yet by oxbot: {public_module}.{name}",
            })
        return made[name]

    return __getattr__
