"""``buildbot.steps.source.oldsource`` (0.8): the worker-side source steps Buildbot removed in
0.9. Their arguments (``svnurl``, ``baseURL``, ``defaultBranch``, modes ``update``/``copy``)
do not map onto today's steps, so oxbot describes them: the config loads, ``checkconfig``
names each one as not supported, and a build that reaches one fails naming it."""

from buildbot_compat import _legacy
from buildbot_compat.process.buildstep import described_step
from buildbot_compat.steps.source.base import Source

# 0.8 name -> the module of today's step.
NAMES = {
    "BK": None, "Bzr": "bzr", "CVS": "cvs", "Darcs": "darcs", "Git": "git",
    "Mercurial": "mercurial", "Monotone": "monotone", "P4": "p4", "Repo": "repo", "SVN": "svn",
}


class _OldSource(Source):
    _accept_any = True

    def __init__(self, *args, **kwargs):
        name = type(self)._old_name
        module = NAMES[name]
        _legacy.deprecated(f"buildbot.steps.source.oldsource.{name}",
                           f"buildbot.steps.source.{module}.{name}" if module
                           else "a source step of today")
        super().__init__(*args, **kwargs)

    @classmethod
    def _kind(cls):
        kind = super()._kind()
        return kind if kind == "Python" else f"oldsource.{cls._old_name} (0.8 worker-side)"


for _name in NAMES:
    globals()[_name] = described_step(__name__, _name, base=_OldSource, _old_name=_name)
del _name
