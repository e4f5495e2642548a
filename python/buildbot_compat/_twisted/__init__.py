"""A minimal stand-in for Twisted, for configs that import it (``from twisted.internet import
defer``, ``from twisted.python import log``) when the real Twisted is not installed. It is
served under the name ``twisted`` only then (see ``_alias``). Deferreds here are synchronous:
``inlineCallbacks`` runs its generator to the end, resolving each yielded value at once."""
