"""``buildbot.status.html.WebStatus`` (0.8): the old web UI. The settings today's ``c['www']``
has (port, change hooks, log rotation) become ``c['www']``'s when the config sets none; the
others, and custom pages added with ``putChild``, have no equivalent: checkconfig names them
as not supported."""

from buildbot_compat import _generic, _legacy

# WebStatus argument -> c['www'] key
WWW_KEYS = {
    "http_port": "port", "change_hook_dialects": "change_hook_dialects",
    "change_hook_auth": "change_hook_auth", "logRotateLength": "logRotateLength",
    "maxRotatedFiles": "maxRotatedFiles",
}


class WebStatus(_generic.DescribedObject):
    def __init__(self, http_port=None, **kwargs):
        _legacy.deprecated("buildbot.status.html.WebStatus", "c['www']")
        super().__init__(http_port=http_port, **kwargs)
        self.http_port = http_port
        self.children = {}

    def putChild(self, name, resource):
        """0.8: serve `resource` (a Twisted web resource) at `name` under the web UI."""
        self.children[name] = resource

    def _www(self):
        """This target's settings as ``c['www']``, and the lines naming what oxbot drops."""
        www = {WWW_KEYS[k]: v for k, v in self._kwargs.items() if k in WWW_KEYS and v}
        dropped = sorted(k for k, v in self._kwargs.items() if k not in WWW_KEYS and v is not None)
        lines = []
        if dropped:
            lines.append(f"not supported yet by oxbot: WebStatus({', '.join(dropped)}) "
                         "(settings of the 0.8 web UI; oxbot serves c['www'] without them)")
        for name, resource in self.children.items():
            lines.append(f"not supported yet by oxbot: WebStatus.putChild({name!r}, "
                         f"{type(resource).__name__}) (custom pages of the 0.8 web UI)")
        return www, lines
