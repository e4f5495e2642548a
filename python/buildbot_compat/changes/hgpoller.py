"""``buildbot.changes.hgpoller``: described; the engine reads the arguments itself."""

from buildbot_compat import _generic


class HgPoller(_generic.DescribedObject):
    def _describe(self):
        out = super()._describe()
        if not self._kwargs.get("name"):
            # Buildbot's default name (which keys the poller's state): the repository URL,
            # then `_`-joined bookmarks, then `_`-joined branches.
            repourl = self._kwargs.get("repourl", self._args[0] if self._args else "")
            branch, branches = self._kwargs.get("branch"), self._kwargs.get("branches")
            branches = [branch] if branch else branches or []
            name = str(repourl)
            for names in (self._kwargs.get("bookmarks") or [], branches):
                if names:
                    name += "_" + "_".join(names)
            out["name"] = name
        return out
