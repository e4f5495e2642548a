# Serves the buildbot_compat sources embedded in the oxbot binary, after the regular finders,
# so that a pip-installed buildbot_compat wins.
import importlib.machinery
import sys


# A plain class: `importlib.abc` imports `importlib.resources` and with it pathlib, zipfile,
# tempfile..., which the master would keep in memory for nothing.
class EmbeddedShimFinder:
    def __init__(self, modules, source):
        # name -> (is a package, file path); `source(name)` gives a module's text when it is
        # imported, so the sources are not all kept in memory.
        self.modules = modules
        self.source = source

    def find_spec(self, fullname, path=None, target=None):
        entry = self.modules.get(fullname)
        if entry is None:
            return None
        is_pkg, filename = entry
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=filename, is_package=is_pkg)
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        name = module.__spec__.name
        _is_pkg, filename = self.modules[name]
        module.__file__ = filename
        exec(compile(self.source(name), filename, "exec"), module.__dict__)

    def get_source(self, fullname):
        return self.source(fullname)


def install(modules, source):
    if not any(isinstance(f, EmbeddedShimFinder) for f in sys.meta_path):
        sys.meta_path.append(EmbeddedShimFinder(modules, source))
