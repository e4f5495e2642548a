"""``buildbot.plugins.status`` (0.8.10-0.8.14): the status targets of ``c['status']``, by
the modules that define them. Targets oxbot does not provide resolve to stand-ins whose
description says "not supported yet by oxbot: <name>"."""

import importlib

from buildbot_compat._generic import stand_in_getattr

# name -> module under buildbot.status
_WHERE = {
    "WebStatus": "html", "MailNotifier": "mail", "IRC": "words", "StatusPush": "status_push",
    "HttpStatusPush": "status_push", "GitHubStatus": "github", "PBListener": "client",
    "GerritStatusPush": "status_gerrit", "TinderboxMailNotifier": "tinderbox",
}
_stand_in = stand_in_getattr(__name__)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"buildbot_compat.status.{_WHERE[name]}"), name)
    return _stand_in(name)
