"""The base of source steps (Buildbot's ``steps/source/base.py``)."""

from buildbot_compat.process.buildstep import BuildStep

SOURCE_PARAMS = (
    "mode", "method", "codebase", "alwaysUseLatest", "retry", "env", "logEnviron", "timeout",
)


class Source(BuildStep):
    haltOnFailure = True
    flunkOnFailure = True
    _own_params = SOURCE_PARAMS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Buildbot's defaults, by the (0.8-era) mode names.
        mode = self._args.get("mode")
        if not self.description:
            self.description = [{"clobber": "checkout", "export": "exporting"}.get(mode, "updating")]
        if not self.descriptionDone:
            self.descriptionDone = [{"clobber": "checkout", "export": "export"}.get(mode, "update")]
        codebase = self._args.get("codebase")
        if codebase:
            # Buildbot names a source step of a codebase `<name>-<codebase>` and shows the
            # codebase after its description.
            if not self.descriptionSuffix:
                self.descriptionSuffix = [codebase]
            if isinstance(self.name, str) and isinstance(codebase, str):
                self.name = f"{self.name}-{codebase}"
            else:
                from buildbot_compat.process.properties import Interpolate

                self.name = Interpolate("%(kw:name)s-%(kw:codebase)s", name=self.name,
                                        codebase=codebase)

    # ---- Build time, for source steps that run in Python (SVN): Buildbot's `Source.run()`. --

    def run(self):
        if not type(self)._runs_in_python:
            return super().run()
        from buildbot_compat._buildtime import resolve, succeed
        from buildbot_compat.process.results import FAILURE

        codebase = self._args.get("codebase") or ""
        branch = self._args.get("branch")
        revision = None
        if not self._args.get("alwaysUseLatest"):
            ss = self.build.getSourceStamp(codebase)
            if ss is None:
                message = f"No sourcestamp found in build for codebase '{codebase}'"
                self.descriptionDone = f"Codebase {codebase} not in build"
                resolve(self.addCompleteLog("log", message))
                return succeed(FAILURE)
            branch = ss.branch or branch
            revision = ss.revision or None
        return self.run_vc(branch, revision, None)

    def updateSourceProperty(self, name, value, source=""):
        """A source property, as a `{codebase: value}` dict when the step has a codebase."""
        source = source or type(self).__name__
        codebase = self._args.get("codebase") or ""
        if codebase:
            values = dict(self.getProperty(name) or {})
            values[codebase] = value
            value = values
        self.setProperty(name, value, source)
