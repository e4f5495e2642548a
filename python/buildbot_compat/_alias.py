"""The import alias: ``buildbot`` and every ``buildbot.X`` module resolve to
``buildbot_compat`` and ``buildbot_compat.X``, so configs import Buildbot's module paths
unchanged. The finder goes first on ``sys.meta_path`` so that a real Buildbot installed in the
same Python never wins."""

import importlib
import importlib.util
import sys

ALIAS = "buildbot"
TARGET = "buildbot_compat"
# `twisted` falls back to the minimal stand-in when the real Twisted is not installed.
TWISTED_ALIAS = "twisted"
TWISTED_TARGET = "buildbot_compat._twisted"
# `zope` (zope.interface) likewise falls back to a minimal stand-in.
ZOPE_ALIAS = "zope"
ZOPE_TARGET = "buildbot_compat._zope"


# Plain classes, not `importlib.abc`'s: that module imports `importlib.resources` (pathlib,
# zipfile, tempfile, inspect...), which a master would keep in memory for nothing.
class _AliasLoader:
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        # The target module is already executed; registering it under the alias is enough.
        pass


class AliasFinder:
    def __init__(self, alias=ALIAS, target=TARGET):
        self.alias = alias
        self.target = target

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.alias and not fullname.startswith(self.alias + "."):
            return None
        real = self.target + fullname[len(self.alias):]
        try:
            real_spec = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            return None
        if real_spec is None:
            return None
        return importlib.util.spec_from_loader(
            fullname, _AliasLoader(real), is_package=real_spec.submodule_search_locations is not None
        )


def install():
    """Puts the alias first on ``sys.meta_path`` (once) and drops any real ``buildbot``
    modules imported before it."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
        # Last, so that an installed Twisted is found first.
        sys.meta_path.append(AliasFinder(TWISTED_ALIAS, TWISTED_TARGET))
        sys.meta_path.append(AliasFinder(ZOPE_ALIAS, ZOPE_TARGET))
    for name in list(sys.modules):
        if name == ALIAS or name.startswith(ALIAS + "."):
            if not getattr(sys.modules[name], "__name__", "").startswith(TARGET):
                del sys.modules[name]
