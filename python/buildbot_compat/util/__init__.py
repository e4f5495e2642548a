"""``buildbot.util``: the pure helpers configs call while loading; every other name resolves to
a stand-in whose description says "not supported yet by oxbot: buildbot.util.<name>"."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.config.builder import safeTranslate  # noqa: F401


def bytes2unicode(x, encoding="utf-8", errors="strict"):
    if isinstance(x, (str, type(None))):
        return x
    return str(x, encoding, errors)


def unicode2bytes(x, encoding="utf-8", errors="strict"):
    if isinstance(x, str):
        x = x.encode(encoding, errors)
    return x


__getattr__ = stand_in_getattr(__name__)
