"""``buildbot.status.buildstep``: oxbot does not provide this module yet. Every name resolves, to a stand-in
whose description says "not supported yet by oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr

__getattr__ = stand_in_getattr(__name__)
