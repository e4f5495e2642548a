"""``zope.interface``: interfaces as plain classes; ``implementer`` records what a class
provides, ``providedBy`` answers from that record."""


class _InterfaceClass(type):
    def providedBy(cls, obj):
        return cls in getattr(type(obj), "__implemented__", ()) or cls in getattr(
            obj, "__provides__", ())

    def implementedBy(cls, klass):
        return cls in getattr(klass, "__implemented__", ())


class Interface(metaclass=_InterfaceClass):
    pass


class Attribute:
    def __init__(self, doc=""):
        self.__doc__ = doc


def implementer(*interfaces):
    def declare(klass):
        klass.__implemented__ = tuple(getattr(klass, "__implemented__", ())) + interfaces
        return klass
    return declare


implementer_only = implementer


def provider(*interfaces):
    def declare(obj):
        obj.__provides__ = interfaces
        return obj
    return declare


def alsoProvides(obj, *interfaces):
    obj.__provides__ = tuple(getattr(obj, "__provides__", ())) + interfaces


def implements(*interfaces):
    """The class advice of zope.interface before 5.0 (``implements(IRenderable)`` in a class
    body, as 0.8 configs wrote): records the interfaces in the class being defined, as
    ``@implementer`` does."""
    import sys

    namespace = sys._getframe(1).f_locals
    namespace["__implemented__"] = tuple(namespace.get("__implemented__", ())) + interfaces
