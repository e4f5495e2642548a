"""How config objects become plain data for the engine ("Python describes, Rust executes").

Every config class derives from ``Described`` and returns, from ``_describe()``, a dict of
JSON values. Inside values, a renderable becomes ``{"$renderable": kind, ...}`` and a Python
callable ``{"$python": handle}``; handles index ``HANDLES``, which keeps the objects alive so the
engine can call them back. The tags the engine accepts are listed in ``_spec.py``.
"""

import threading
from collections.abc import KeysView, ValuesView

HANDLES = []

# While the engine calls a configuration's Python (`_runtime`), the table of that
# configuration: handles made then (a step a build adds, a renderer it describes) must index
# the table the running build uses, which a reconfig may have replaced as `HANDLES`.
_calling = threading.local()


def handle(obj):
    """A handle for a Python object the engine may call back."""
    table = getattr(_calling, "table", None)
    if table is None:
        table = HANDLES
    table.append(obj)
    return {"$python": len(table) - 1, "repr": _short_repr(obj)}


def _short_repr(obj):
    text = getattr(obj, "__qualname__", None) or repr(obj)
    return text if len(text) <= 200 else text[:197] + "..."


class Described:
    """Base of every config object the shim describes."""

    def _describe(self):
        raise NotImplementedError


def value(obj):
    """Describes any config value as JSON-able data."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    # Dict views too: configs pass `some_dict.keys()` where Buildbot iterates a list.
    if isinstance(obj, (list, tuple, set, frozenset, KeysView, ValuesView)):
        return [value(item) for item in obj]
    if isinstance(obj, dict):
        return {str(k): value(v) for k, v in obj.items()}
    if isinstance(obj, Described):
        return obj._describe()
    if hasattr(obj, "getRenderingFor") and not isinstance(obj, type):
        # A user renderable (`@implementer(IRenderable)` with `getRenderingFor(props)`).
        return {"$renderable": "renderer", "function": handle(_RenderingFor(obj)),
                "args": [], "kwargs": {}}
    return handle(obj)


class _RenderingFor:
    """Calls a user renderable's ``getRenderingFor(props)`` as a renderer function."""

    def __init__(self, renderable):
        self.renderable = renderable
        self.__qualname__ = f"{type(renderable).__qualname__}.getRenderingFor"

    def __call__(self, props):
        return self.renderable.getRenderingFor(props)


def kwargs(mapping):
    """Describes keyword arguments, dropping the ones left at None."""
    return {k: value(v) for k, v in mapping.items() if v is not None}
