"""File transfer steps (Buildbot's ``steps/transfer.py``). ``FileUpload``, ``FileDownload`` and
``StringDownload`` run in the engine, the JSON downloads in Python ending in the engine's
``StringDownload``; the others are described, and a build that reaches one fails with "not
supported yet by oxbot" naming it."""

import json

from buildbot_compat.config.errors import error
from buildbot_compat.process.buildstep import BuildStep, described_step

_COMMON = ("workdir", "maxsize", "blocksize", "mode")


class _TransferStep(BuildStep):
    haltOnFailure = True
    flunkOnFailure = True


class FileUpload(_TransferStep):
    name = "upload"
    _own_params = _COMMON + ("workersrc", "masterdest", "keepstamp", "url", "urlText")

    def __init__(self, workersrc=None, masterdest=None, **kwargs):
        if "slavesrc" in kwargs:
            from buildbot_compat import _legacy

            _legacy.deprecated("FileUpload(slavesrc=...)", "workersrc")
            workersrc = kwargs.pop("slavesrc")
        if workersrc is None:
            error("you must specify workersrc")
        if masterdest is None:
            error("you must specify masterdest")
        super().__init__(workersrc=workersrc, masterdest=masterdest, **kwargs)


class FileDownload(_TransferStep):
    name = "download"
    _own_params = _COMMON + ("mastersrc", "workerdest")

    def __init__(self, mastersrc, workerdest=None, **kwargs):
        if "slavedest" in kwargs:
            from buildbot_compat import _legacy

            _legacy.deprecated("FileDownload(slavedest=...)", "workerdest")
            workerdest = kwargs.pop("slavedest")
        if workerdest is None:
            error("you must specify workerdest")
        super().__init__(mastersrc=mastersrc, workerdest=workerdest, **kwargs)


class StringDownload(_TransferStep):
    name = "string_download"
    _own_params = _COMMON + ("s", "workerdest")

    def __init__(self, s, workerdest=None, **kwargs):
        if "slavedest" in kwargs:
            from buildbot_compat import _legacy

            _legacy.deprecated("StringDownload(slavedest=...)", "workerdest")
            workerdest = kwargs.pop("slavedest")
        if workerdest is None:
            error("you must specify workerdest")
        super().__init__(s=s, workerdest=workerdest, **kwargs)


# Like every transfer step of Buildbot 4.3, they halt the build when they fail.
DirectoryUpload = described_step(__name__, "DirectoryUpload", name="upload", haltOnFailure=True)
MultipleFileUpload = described_step(__name__, "MultipleFileUpload", name="upload",
                                    haltOnFailure=True)


class JSONStringDownload(StringDownload):
    """A JSON document of ``o`` written on the worker; runs in Python at build time, ending in
    the engine's ``StringDownload``."""

    _runs_in_python = True
    name = "json_download"

    def __init__(self, o, workerdest=None, **kwargs):
        if workerdest is None:
            raise TypeError("__init__() takes at least 3 arguments")
        kwargs.pop("s", None)
        super().__init__(s=o, workerdest=workerdest, **kwargs)

    def run(self):
        text = json.dumps(self.build.render_now(self._args["s"]))
        return self._run_builtin("StringDownload", s=text)


class JSONPropertiesDownload(StringDownload):
    """The build's properties and source stamps as JSON on the worker."""

    _runs_in_python = True
    name = "json_properties_download"

    def __init__(self, workerdest=None, **kwargs):
        if workerdest is None:
            raise TypeError("__init__() takes at least 2 arguments")
        kwargs.pop("s", None)
        super().__init__(s=None, workerdest=workerdest, **kwargs)

    def run(self):
        text = json.dumps({
            "properties": dict(self.build.getProperties()._values()),
            "sourcestamps": [ss.asDict() for ss in self.build.getAllSourceStamps()],
        })
        return self._run_builtin("StringDownload", s=text)
