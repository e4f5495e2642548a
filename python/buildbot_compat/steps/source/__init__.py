"""``buildbot.steps.source``: source checkout steps. ``Source`` is the base class; the other
names the package exported in 0.8 (``from buildbot.steps.source import SVN``) are the
worker-side steps of ``oldsource``."""

from buildbot_compat.steps.source.base import Source  # noqa: F401


def __getattr__(name):
    import importlib

    oldsource = importlib.import_module("buildbot_compat.steps.source.oldsource")
    if name in oldsource.NAMES:
        return getattr(oldsource, name)
    raise AttributeError(f"module 'buildbot.steps.source' has no attribute {name!r}")
