"""Renderables (Buildbot's ``process/properties.py``): values rendered by the engine when a
build runs. Each describes itself with a ``$renderable`` tag (see ``_spec``)."""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error


class _Renderable(_describe.Described):
    kind = None

    def _fields(self):
        return {}

    def _describe(self):
        return {"$renderable": self.kind, **self._fields()}


class Property(_Renderable):
    kind = "Property"

    def __init__(self, key, default=None, defaultWhenFalse=True):
        self.key = key
        self.default = default
        self.defaultWhenFalse = defaultWhenFalse

    def _fields(self):
        return {"name": self.key, "default": _describe.value(self.default),
                "defaultWhenFalse": self.defaultWhenFalse}


class Interpolate(_Renderable):
    kind = "Interpolate"

    def __init__(self, fmtstring, *args, **kwargs):
        if args and kwargs:
            error("Interpolate takes either positional or keyword substitutions, not both.")
        self.fmtstring = fmtstring
        self.args = args
        self.kwargs = kwargs

    def _fields(self):
        return {"fmt": self.fmtstring, "args": _describe.value(self.args),
                "kwargs": _describe.value(self.kwargs)}


class WithProperties(_Renderable):
    kind = "WithProperties"

    def __init__(self, fmtstring, *args, **lambda_subs):
        from buildbot_compat import _legacy

        _legacy.deprecated("WithProperties", "Interpolate")
        self.fmtstring = fmtstring
        self.args = args
        self.lambda_subs = lambda_subs

    def _fields(self):
        return {"fmt": self.fmtstring, "args": _describe.value(self.args),
                "kwargs": _describe.value(self.lambda_subs)}


class Transform(_Renderable):
    kind = "Transform"

    def __init__(self, function, *args, **kwargs):
        if not callable(function):
            error("function given to Transform neither callable nor renderable")
        self.function = function
        self.args = args
        self.kwargs = kwargs

    def _fields(self):
        return {"function": _describe.handle(self.function), "args": _describe.value(self.args),
                "kwargs": _describe.value(self.kwargs)}


class Secret(_Renderable):
    kind = "Secret"

    def __init__(self, secret_name):
        self.secret_name = secret_name

    def _fields(self):
        return {"name": self.secret_name}


class FlattenList(_Renderable):
    kind = "FlattenList"

    def __init__(self, nestedlist, types=(list, tuple)):
        self.nestedlist = nestedlist

    def _fields(self):
        return {"list": _describe.value(self.nestedlist)}


class _Renderer(_Renderable):
    kind = "renderer"

    def __init__(self, fn, args=(), kwargs=None):
        self.fn = fn
        self.args = args
        self.kwargs = kwargs or {}

    def withArgs(self, *args, **kwargs):
        return _Renderer(self.fn, args, kwargs)

    def _fields(self):
        return {"function": _describe.handle(self.fn), "args": _describe.value(self.args),
                "kwargs": _describe.value(self.kwargs)}


def renderer(fn):
    """``@util.renderer``: a function of the build's properties, called when the build runs."""
    return _Renderer(fn)


class Properties:
    """A property collection, as passed to renderer functions."""

    def __init__(self, **kwargs):
        self.properties = {k: (v, "TEST") for k, v in kwargs.items()}

    def getProperty(self, name, default=None):
        return self.properties.get(name, (default,))[0]

    def hasProperty(self, name):
        return name in self.properties

    def setProperty(self, name, value, source, runtime=False):
        self.properties[name] = (value, source)

    def __getitem__(self, name):
        return self.properties[name][0]

    def __contains__(self, name):
        return name in self.properties

    def asDict(self):
        return dict(self.properties)
