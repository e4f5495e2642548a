"""``buildbot.plugins.steps``."""

from buildbot_compat.process.buildstep import BuildStep  # noqa: F401
from buildbot_compat.steps.cmake import CMake  # noqa: F401
from buildbot_compat.steps.configurable import BuildbotCiSetupSteps, BuildbotTestCiTrigger  # noqa: F401
from buildbot_compat.steps.cppcheck import Cppcheck  # noqa: F401
from buildbot_compat.steps.gitdiffinfo import GitDiffInfo  # noqa: F401
from buildbot_compat.steps.http import DELETE, GET, HEAD, HTTPStep, OPTIONS, POST, PUT  # noqa: F401
from buildbot_compat.steps.master import Assert, LogRenderable, MasterShellCommand, SetProperties, SetProperty  # noqa: F401
from buildbot_compat.steps.maxq import MaxQ  # noqa: F401
from buildbot_compat.steps.mswin import Robocopy  # noqa: F401
from buildbot_compat.steps.package.deb.lintian import DebLintian  # noqa: F401
from buildbot_compat.steps.package.deb.pbuilder import DebCowbuilder, DebPbuilder, UbuCowbuilder, UbuPbuilder  # noqa: F401
from buildbot_compat.steps.package.rpm.mock import Mock, MockBuildSRPM, MockRebuild  # noqa: F401
from buildbot_compat.steps.package.rpm.rpmbuild import RpmBuild  # noqa: F401
from buildbot_compat.steps.package.rpm.rpmlint import RpmLint  # noqa: F401
from buildbot_compat.steps.python import BuildEPYDoc, PyFlakes, PyLint, Sphinx  # noqa: F401
from buildbot_compat.steps.python_twisted import HLint, RemovePYCs, Trial  # noqa: F401
from buildbot_compat.steps.shell import Compile, Configure, PerlModuleTest, SetPropertyFromCommand, ShellCommand, ShellSequence, Test, TreeSize, WarningCountingShellCommand  # noqa: F401
from buildbot_compat.steps.shellsequence import ShellArg  # noqa: F401
from buildbot_compat.steps.source.bzr import Bzr  # noqa: F401
from buildbot_compat.steps.source.cvs import CVS  # noqa: F401
from buildbot_compat.steps.source.darcs import Darcs  # noqa: F401
from buildbot_compat.steps.source.gerrit import Gerrit  # noqa: F401
from buildbot_compat.steps.source.git import Git, GitCommit, GitPush, GitTag  # noqa: F401
from buildbot_compat.steps.source.github import GitHub  # noqa: F401
from buildbot_compat.steps.source.gitlab import GitLab  # noqa: F401
from buildbot_compat.steps.source.mercurial import Mercurial  # noqa: F401
from buildbot_compat.steps.source.monotone import Monotone  # noqa: F401
from buildbot_compat.steps.source.p4 import P4  # noqa: F401
from buildbot_compat.steps.source.repo import Repo  # noqa: F401
from buildbot_compat.steps.source.svn import SVN  # noqa: F401
from buildbot_compat.steps.subunit import SubunitShellCommand  # noqa: F401
from buildbot_compat.steps.transfer import DirectoryUpload, FileDownload, FileUpload, JSONPropertiesDownload, JSONStringDownload, MultipleFileUpload, StringDownload  # noqa: F401
from buildbot_compat.steps.trigger import Trigger  # noqa: F401
from buildbot_compat.steps.vstudio import MsBuild, MsBuild12, MsBuild14, MsBuild141, MsBuild15, MsBuild16, MsBuild17, MsBuild4, VC10, VC11, VC12, VC14, VC141, VC6, VC7, VC8, VC9, VCExpress9, VS2003, VS2005, VS2008, VS2010, VS2012, VS2013, VS2015, VS2017, VS2019, VS2022  # noqa: F401
from buildbot_compat.steps.worker import CopyDirectory, FileExists, MakeDirectory, RemoveDirectory, SetPropertiesFromEnv  # noqa: F401

from buildbot_compat.plugins._third_party import getattr_for as _getattr_for  # noqa: E402

__getattr__ = _getattr_for(__name__)
