"""File transfer steps (Buildbot's ``steps/transfer.py``). ``FileUpload``, ``FileDownload`` and
``StringDownload`` run in the engine; the others are described, and a build that reaches one
fails with "not supported yet by oxbot" naming it."""

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


DirectoryUpload = described_step(__name__, "DirectoryUpload", name="upload")
MultipleFileUpload = described_step(__name__, "MultipleFileUpload", name="upload")
JSONStringDownload = described_step(__name__, "JSONStringDownload", name="json_download")
JSONPropertiesDownload = described_step(__name__, "JSONPropertiesDownload", name="json_properties_download")
