"""Synchronous Deferreds: enough for config-time code and for ``@defer.inlineCallbacks``
functions whose yields resolve at once."""

import functools
import inspect


class CancelledError(Exception):
    pass


class _Failed:
    def __init__(self, error):
        self.error = error


class Deferred:
    """A result that is known at once (or an error)."""

    def __init__(self, canceller=None):
        self.called = False
        self.result = None
        self._callbacks = []

    def callback(self, result):
        self.called = True
        self.result = result
        self._run()

    def errback(self, fail=None):
        self.callback(_Failed(fail if fail is not None else Exception("errback")))

    def addCallbacks(self, callback, errback=None, callbackArgs=(), callbackKeywords=None,
                     errbackArgs=(), errbackKeywords=None):
        self._callbacks.append((callback, errback, callbackArgs, callbackKeywords or {},
                                errbackArgs, errbackKeywords or {}))
        self._run()
        return self

    def addCallback(self, callback, *args, **kwargs):
        return self.addCallbacks(callback, None, args, kwargs)

    def addErrback(self, errback, *args, **kwargs):
        return self.addCallbacks(lambda r: r, errback, (), {}, args, kwargs)

    def addBoth(self, fn, *args, **kwargs):
        return self.addCallbacks(fn, fn, args, kwargs, args, kwargs)

    def _run(self):
        while self.called and self._callbacks:
            cb, eb, cargs, ckw, eargs, ekw = self._callbacks.pop(0)
            try:
                if isinstance(self.result, _Failed):
                    if eb is not None:
                        self.result = eb(self.result.error, *eargs, **ekw)
                else:
                    self.result = cb(self.result, *cargs, **ckw)
            except Exception as e:  # noqa: BLE001 - Deferred semantics: errors flow down the chain
                self.result = _Failed(e)

    def __await__(self):
        if isinstance(self.result, _Failed):
            raise self.result.error
        return self.result
        yield  # pragma: no cover - makes this a generator


def succeed(result):
    d = Deferred()
    d.callback(result)
    return d


def fail(error=None):
    d = Deferred()
    d.errback(error)
    return d


def maybeDeferred(fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        return fail(e)
    return result if isinstance(result, Deferred) else succeed(result)


def _value(d):
    if isinstance(d, Deferred):
        if isinstance(d.result, _Failed):
            raise d.result.error
        return d.result
    return d


class _Return(BaseException):
    def __init__(self, value):
        self.value = value


def returnValue(value):
    raise _Return(value)


def inlineCallbacks(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            gen = fn(*args, **kwargs)
        except _Return as r:
            return succeed(r.value)
        except Exception as e:  # noqa: BLE001
            return fail(e)
        if not inspect.isgenerator(gen):
            return succeed(gen)
        value = None
        while True:
            try:
                yielded = gen.send(value)
            except StopIteration as stop:
                return succeed(stop.value)
            except _Return as r:
                return succeed(r.value)
            except Exception as e:  # noqa: BLE001
                return fail(e)
            try:
                value = _value(yielded)
            except Exception as e:  # noqa: BLE001
                try:
                    gen.throw(e)
                except StopIteration as stop:
                    return succeed(stop.value)
                except Exception as e2:  # noqa: BLE001
                    return fail(e2)
    return wrapper


def ensureDeferred(coro):
    if isinstance(coro, Deferred):
        return coro
    try:
        coro.send(None)
    except StopIteration as stop:
        return succeed(stop.value)
    except Exception as e:  # noqa: BLE001
        return fail(e)
    return fail(RuntimeError("not supported yet by oxbot: coroutines that wait on real I/O at config time"))


def gatherResults(deferreds, consumeErrors=False):
    return succeed([_value(d) for d in deferreds])


def DeferredList(deferreds, fireOnOneCallback=False, fireOnOneErrback=False, consumeErrors=False):
    results = []
    for d in deferreds:
        try:
            results.append((True, _value(d)))
        except Exception as e:  # noqa: BLE001
            results.append((False, e))
    return succeed(results)
