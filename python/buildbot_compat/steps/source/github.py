"""``buildbot.steps.source.github``: ``GitHub``, the ``Git`` step for pull requests (the engine
builds a ``refs/pull/N/merge`` branch as fetched, without the source stamp's revision)."""

from buildbot_compat.steps.source.git import Git


class GitHub(Git):
    pass
