"""``buildbot.changes.svnpoller``: described; the engine reports it as not supported yet."""

from buildbot_compat import _generic

SVNPoller = _generic.described_class(__name__, "SVNPoller", legacy_kwargs={"pollinterval": "pollInterval"})


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
