"""``buildbot.steps.cmake``: ``CMake`` runs cmake with a generator, definitions and options;
it runs in Python at build time, on ``ShellMixin``."""

from buildbot_compat._buildtime import resolve, succeed
from buildbot_compat.config.errors import error
from buildbot_compat.process.buildstep import BuildStep, ShellMixin
from buildbot_compat.process.properties import _Renderable


class CMake(ShellMixin, BuildStep):
    _runs_in_python = True
    DEFAULT_CMAKE = "cmake"
    name = "cmake"
    description = ["running", "cmake"]
    descriptionDone = ["cmake"]
    renderables = ("cmake", "definitions", "generator", "options", "path")
    haltOnFailure = True

    def __init__(self, path=None, generator=None, definitions=None, options=None,
                 cmake=DEFAULT_CMAKE, **kwargs):
        if not (definitions is None or isinstance(definitions, (dict, _Renderable))):
            error("definitions must be a dictionary or implement IRenderable")
        if not (options is None or isinstance(options, (list, tuple, _Renderable))):
            error("options must be a list, a tuple or implement IRenderable")
        self.path = path
        self.generator = generator
        self.definitions = definitions
        self.options = options
        self.cmake = cmake
        kwargs = self.setupShellMixin(kwargs, prohibitArgs=["command"])
        super().__init__(**kwargs)

    def run(self):
        command = [self.cmake]
        if self.generator:
            command += ["-G", self.generator]
        for name, value in (self.definitions or {}).items():
            command.append(f"-D{name}={value}")
        command += list(self.options or [])
        if self.path:
            command.append(self.path)
        cmd = resolve(self.makeRemoteShellCommand(command=command))
        resolve(self.runCommand(cmd))
        return succeed(cmd.results())
