"""``ChangeFilter`` (Buildbot's ``changes/filter.py``)."""

from buildbot_compat import _describe
from buildbot_compat.config.errors import error

_CRITERIA = ("project", "repository", "branch", "category", "codebase", "property")


class ChangeFilter(_describe.Described):
    def __init__(self, filter_fn=None, **kwargs):
        if filter_fn is not None and not callable(filter_fn):
            error("filter_fn must be callable")
        self.filter_fn = filter_fn
        self.checks = {}
        for key, val in kwargs.items():
            base = key
            for suffix in ("_not_eq", "_not_re", "_re", "_fn", "_eq"):
                if key.endswith(suffix):
                    base = key[: -len(suffix)]
                    break
            if base not in _CRITERIA:
                error(f"ChangeFilter got an unexpected keyword argument '{key}'")
            self.checks[key] = val

    def _describe(self):
        out = {"$filter": "ChangeFilter", **{k: _describe.value(v) for k, v in self.checks.items()}}
        if self.filter_fn is not None:
            out["filter_fn"] = _describe.handle(self.filter_fn)
        return out
