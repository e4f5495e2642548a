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


def builder_kwargs(kwargs):
    """Renames 0.8 ``BuilderConfig`` keyword arguments; ``category`` becomes a one-tag list."""
    out = {}
    for key, val in kwargs.items():
        if key in _BUILDER_RENAMES:
            deprecated(key, _BUILDER_RENAMES[key])
            out[_BUILDER_RENAMES[key]] = val
        elif key == "category":
            deprecated("category", "tags")
            out["tags"] = [val] if val else []
        elif key == "mergeRequests":
            deprecated("mergeRequests", "collapseRequests")
            out["collapseRequests"] = val
        else:
            out[key] = val
    return out
