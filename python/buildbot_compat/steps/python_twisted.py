"""``buildbot.steps.python_twisted``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step
from buildbot_compat.steps.shell import ShellCommand

Trial = described_step(__name__, "Trial")


class RemovePYCs(ShellCommand):
    """Deletes the ``.pyc`` files under the work directory; runs in Python at build time.
    (Buildbot 4.3 passes the pattern as ``'*.pyc'`` with its quotes, which no shell removes
    from an argv list, so it deletes nothing; oxbot passes ``*.pyc``.)"""

    _runs_in_python = True
    name = "remove_pyc"
    command = ["find", ".", "-name", "*.pyc", "-exec", "rm", "{}", ";"]
    description = "removing .pyc files"
    descriptionDone = "remove .pycs"


HLint = described_step(__name__, "HLint")
