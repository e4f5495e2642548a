"""``twisted.application.service`` (stand-in): ``Application``, as ``buildbot.tac`` files make
one and attach the master and a log observer to it."""


class _Application:
    def __init__(self, name, uid=None, gid=None):
        self.name = name
        self.components = {}

    def setComponent(self, interface, component):
        self.components[interface] = component


def Application(name, uid=None, gid=None):
    return _Application(name, uid, gid)
