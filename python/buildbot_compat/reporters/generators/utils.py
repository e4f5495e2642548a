"""``buildbot.reporters.generators.utils``: the generators of ``buildbot.reporters``; every other name resolves, to a stand-in
whose description says "not supported yet by oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.reporters import *  # noqa: F401,F403 - the generators, as the plugin names

__getattr__ = stand_in_getattr(__name__)
