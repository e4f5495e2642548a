"""``twisted.python.logfile`` (stand-in): ``LogFile.fromFullPath``, as ``buildbot.tac`` files
make the master's ``twistd.log``; oxbot's master writes that log itself."""

import os


class LogFile:
    def __init__(self, name, directory, rotateLength=1000000, defaultMode=None, maxRotatedFiles=None):
        self.path = os.path.join(directory, name)
        self.rotateLength = rotateLength
        self.maxRotatedFiles = maxRotatedFiles

    @classmethod
    def fromFullPath(cls, filename, *args, **kwargs):
        return cls(os.path.basename(filename), os.path.dirname(os.path.abspath(filename)), *args, **kwargs)

    def write(self, data):
        return None

    def flush(self):
        return None
