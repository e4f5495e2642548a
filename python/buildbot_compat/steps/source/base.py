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
