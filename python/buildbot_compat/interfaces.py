"""``buildbot.interfaces``: the interfaces configs declare or test (``IRenderable``,
``IProperties``...); other names resolve to stand-ins saying "not supported yet by oxbot"."""

try:
    from zope.interface import Interface
except ImportError:  # the shim's stand-in, when the alias is not installed yet
    from buildbot_compat._zope.interface import Interface

from buildbot_compat._generic import stand_in_getattr

__getattr__ = stand_in_getattr(__name__)


class IRenderable(Interface):
    """An object rendered at build time through its ``getRenderingFor(props)``."""


class IProperties(Interface):
    pass


class IScheduler(Interface):
    pass


class IChangeSource(Interface):
    pass


class IBuildStepFactory(Interface):
    pass
