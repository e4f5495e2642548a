"""A minimal stand-in for ``zope.interface``, for configs that declare what their classes
provide (``@implementer(IRenderable)``) when the real zope.interface is not installed. It is
served under the name ``zope`` only then (see ``_alias``)."""
