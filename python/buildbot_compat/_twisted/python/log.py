"""``twisted.python.log``: messages go to the master's log (stderr of the config loader)."""

import sys
import traceback


def msg(*message, **kw):
    print(" ".join(str(m) for m in message), file=sys.stderr)


def err(_stuff=None, _why=None, **kw):
    if _why:
        print(_why, file=sys.stderr)
    if isinstance(_stuff, BaseException):
        traceback.print_exception(type(_stuff), _stuff, _stuff.__traceback__, file=sys.stderr)
    elif _stuff is not None:
        print(_stuff, file=sys.stderr)


class ILogObserver:
    """The interface ``buildbot.tac`` files register their log observer under."""


class FileLogObserver:
    def __init__(self, f):
        self.f = f

    def emit(self, event):
        print(event.get("message", event) if isinstance(event, dict) else event, file=self.f)
