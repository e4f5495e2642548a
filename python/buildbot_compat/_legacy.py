"""Legacy spellings from Buildbot 0.8-3.x that configs still use, mapped to their modern
meaning. Each spelling seen while loading is recorded once in ``DEPRECATIONS`` (checkconfig
prints them)."""

DEPRECATIONS = []


def deprecated(old, new):
    line = f"DEPRECATED: '{old}' is deprecated, use '{new}' instead"
    if line not in DEPRECATIONS:
        DEPRECATIONS.append(line)


def warn(line):
    """A warning Buildbot's loader gives (a ``ConfigWarning``), reported with the
    deprecations."""
    if line not in DEPRECATIONS:
        DEPRECATIONS.append(line)


_BUILDER_RENAMES = {
    "slavenames": "workernames",
    "slavename": "workername",
    "slavebuilddir": "workerbuilddir",
    "nextSlave": "nextWorker",
}


def merge_requests(val):
    """A 0.8 ``mergeRequests`` value as ``collapseRequests``: True/False as they are; a
    function ``f(builder, req1, req2)`` called with today's arguments minus the master."""
    if not callable(val):
        return val

    def collapse(master, builder, req1, req2):
        return val(builder, req1, req2)

    collapse.__qualname__ = getattr(val, "__qualname__", "mergeRequests")
    return collapse


_DICT_VIEWS = (type({}.keys()), type({}.values()))


def builder_kwargs(kwargs):
    """Renames 0.8 ``BuilderConfig`` keyword arguments; ``category`` becomes a one-tag list."""
    out = {}
    for key, val in kwargs.items():
        if key in _BUILDER_RENAMES:
            deprecated(key, _BUILDER_RENAMES[key])
            if isinstance(val, _DICT_VIEWS):
                # 0.8 ran on Python 2, where `slaves.keys()` was the list it wanted.
                val = list(val)
            out[_BUILDER_RENAMES[key]] = val
        elif key == "category":
            deprecated("category", "tags")
            out["tags"] = [val] if val else []
        elif key == "mergeRequests":
            deprecated("mergeRequests", "collapseRequests")
            out["collapseRequests"] = merge_requests(val)
        else:
            out[key] = val
    return out


def _execfile(filename, globals=None, locals=None):
    """Python 2's ``execfile``: runs a file in the given (default: the caller's) namespace."""
    import sys

    deprecated("execfile(path)", "exec(open(path).read())")
    if globals is None:
        caller = sys._getframe(1)
        globals = caller.f_globals
        if locals is None:
            locals = caller.f_locals
    elif locals is None:
        locals = globals
    with open(filename, encoding="utf-8") as f:
        source = f.read()
    exec(compile(source, filename, "exec"), globals, locals)


def _reload(module):
    """Python 2's builtin ``reload``: ``importlib.reload``."""
    import importlib

    deprecated("reload(module)", "importlib.reload(module)")
    return importlib.reload(module)


def install_builtins():
    """The two Python 2 builtins that 0.8-era configs use to load their own files (Buildbot 0.8
    ran on Python 2 and its manual suggested ``reload`` for helper modules): ``execfile`` and
    ``reload``. Set only while a config loads, and only where Python does not define them."""
    import builtins

    added = []
    for name, function in (("execfile", _execfile), ("reload", _reload)):
        if not hasattr(builtins, name):
            setattr(builtins, name, function)
            added.append(name)
    return added


def remove_builtins(added):
    import builtins

    for name in added:
        delattr(builtins, name)
