"""The base of source steps (Buildbot's ``steps/source/base.py``)."""

from buildbot_compat.process.buildstep import BuildStep

SOURCE_PARAMS = (
    "mode", "method", "codebase", "alwaysUseLatest", "retry", "env", "logEnviron", "timeout",
)


class Source(BuildStep):
    haltOnFailure = True
    flunkOnFailure = True
    _own_params = SOURCE_PARAMS
