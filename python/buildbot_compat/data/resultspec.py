"""``buildbot.data.resultspec``: the ``Filter`` a custom step passes to
``self.master.data.get(path, filters=[...])``; other names resolve to stand-ins saying "not
supported yet by oxbot"."""

from buildbot_compat._generic import stand_in_getattr

__getattr__ = stand_in_getattr(__name__)


class Filter:
    """``field op values`` (``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``contains``...)."""

    def __init__(self, field, op, values):
        self.field = field
        self.op = op
        self.values = values
