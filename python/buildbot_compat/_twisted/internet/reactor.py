"""``twisted.internet.reactor`` (minimal): configs only reach for it inside callables that run
at build time, which oxbot's engine does not run in Python yet."""


def callLater(delay, fn, *args, **kwargs):
    raise NotImplementedError("not supported yet by oxbot: reactor.callLater")


def seconds():
    import time

    return time.time()
