"""``buildbot.changes.svnpoller``: described; the engine reads the arguments itself."""

from buildbot_compat import _generic

class SVNPoller(_generic.DescribedObject):
    _legacy_kwargs = {"pollinterval": "pollInterval"}

    def _describe(self):
        out = super()._describe()
        if not self._kwargs.get("name"):
            # Buildbot's default name (which keys the poller's state): the repository URL.
            out["name"] = str(self._kwargs.get("repourl", self._args[0] if self._args else ""))
        return out


def split_file_alwaystrunk(path):
    return {"path": path}


def split_file_branches(path):
    pieces = path.split("/")
    if len(pieces) > 1 and pieces[0] == "trunk":
        return (None, "/".join(pieces[1:]))
    if len(pieces) > 2 and pieces[0] == "branches":
        return ("/".join(pieces[0:2]), "/".join(pieces[2:]))
    return None


def split_file_projects_branches(path):
    if "/" not in path:
        return None
    project, path = path.split("/", 1)
    f = split_file_branches(path)
    if f:
        info = {"project": project, "path": f[1]}
        if f[0]:
            info["branch"] = f[0]
        return info
    return f
