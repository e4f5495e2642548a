"""Configuration errors, collected as Buildbot's ``capture_config_errors`` does: while a
config loads, ``error()`` records the message and loading goes on, so every error is reported."""

import contextlib


class ConfigErrors(Exception):
    def __init__(self, errors=None):
        self.errors = list(errors or [])
        super().__init__("\n".join(self.errors))

    def addError(self, msg):
        self.errors.append(msg)

    def merge(self, errors):
        self.errors.extend(errors.errors)

    def __bool__(self):
        return bool(self.errors)

    def __str__(self):
        return "\n".join(self.errors)


_errors = None


def error(error, always_raise=False):
    """Records a configuration error; raises when nothing is collecting or when asked to."""
    if _errors is not None and not always_raise:
        _errors.addError(error)
    else:
        raise ConfigErrors([error])


@contextlib.contextmanager
def capture_config_errors(raise_on_error=False):
    global _errors
    previous = _errors
    _errors = errors = ConfigErrors()
    try:
        yield errors
    except ConfigErrors as e:
        errors.merge(e)
    finally:
        _errors = previous
    if raise_on_error and errors:
        raise errors
