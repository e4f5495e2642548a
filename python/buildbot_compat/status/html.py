"""``buildbot.status.html.WebStatus`` (0.8): the old web UI. Its port becomes ``c['www']``'s
when the config sets none; its other settings have no meaning for today's UI."""

from buildbot_compat import _generic, _legacy


class WebStatus(_generic.DescribedObject):
    def __init__(self, http_port=None, **kwargs):
        _legacy.deprecated("buildbot.status.html.WebStatus", "c['www']")
        super().__init__(http_port=http_port, **kwargs)
        self.http_port = http_port
