"""``buildbot.plugins.steps``."""

from buildbot_compat.plugins._third_party import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "buildbot_compat.process.buildstep": ["BuildStep"],
    "buildbot_compat.steps.cmake": ["CMake"],
    "buildbot_compat.steps.configurable": ["BuildbotCiSetupSteps", "BuildbotTestCiTrigger"],
    "buildbot_compat.steps.cppcheck": ["Cppcheck"],
    "buildbot_compat.steps.gitdiffinfo": ["GitDiffInfo"],
    "buildbot_compat.steps.http": ["DELETE", "GET", "HEAD", "HTTPStep", "OPTIONS", "POST", "PUT"],
    "buildbot_compat.steps.master": [
        "Assert", "LogRenderable", "MasterShellCommand", "SetProperties", "SetProperty",
    ],
    "buildbot_compat.steps.maxq": ["MaxQ"],
    "buildbot_compat.steps.mswin": ["Robocopy"],
    "buildbot_compat.steps.package.deb.lintian": ["DebLintian"],
    "buildbot_compat.steps.package.deb.pbuilder": [
        "DebCowbuilder", "DebPbuilder", "UbuCowbuilder", "UbuPbuilder",
    ],
    "buildbot_compat.steps.package.rpm.mock": ["Mock", "MockBuildSRPM", "MockRebuild"],
    "buildbot_compat.steps.package.rpm.rpmbuild": ["RpmBuild"],
    "buildbot_compat.steps.package.rpm.rpmlint": ["RpmLint"],
    "buildbot_compat.steps.python": ["BuildEPYDoc", "PyFlakes", "PyLint", "Sphinx"],
    "buildbot_compat.steps.python_twisted": ["HLint", "RemovePYCs", "Trial"],
    "buildbot_compat.steps.shell": [
        "Compile", "Configure", "PerlModuleTest", "SetPropertyFromCommand", "ShellCommand",
        "ShellSequence", "Test", "TreeSize", "WarningCountingShellCommand",
    ],
    "buildbot_compat.steps.shellsequence": ["ShellArg"],
    "buildbot_compat.steps.source.bzr": ["Bzr"],
    "buildbot_compat.steps.source.cvs": ["CVS"],
    "buildbot_compat.steps.source.darcs": ["Darcs"],
    "buildbot_compat.steps.source.gerrit": ["Gerrit"],
    "buildbot_compat.steps.source.git": ["Git", "GitCommit", "GitPush", "GitTag"],
    "buildbot_compat.steps.source.github": ["GitHub"],
    "buildbot_compat.steps.source.gitlab": ["GitLab"],
    "buildbot_compat.steps.source.mercurial": ["Mercurial"],
    "buildbot_compat.steps.source.monotone": ["Monotone"],
    "buildbot_compat.steps.source.p4": ["P4"],
    "buildbot_compat.steps.source.repo": ["Repo"],
    "buildbot_compat.steps.source.svn": ["SVN"],
    "buildbot_compat.steps.subunit": ["SubunitShellCommand"],
    "buildbot_compat.steps.transfer": [
        "DirectoryUpload", "FileDownload", "FileUpload", "JSONPropertiesDownload",
        "JSONStringDownload", "MultipleFileUpload", "StringDownload",
    ],
    "buildbot_compat.steps.trigger": ["Trigger"],
    "buildbot_compat.steps.vstudio": [
        "MsBuild", "MsBuild12", "MsBuild14", "MsBuild141", "MsBuild15", "MsBuild16", "MsBuild17",
        "MsBuild4", "VC10", "VC11", "VC12", "VC14", "VC141", "VC6", "VC7", "VC8", "VC9",
        "VCExpress9", "VS2003", "VS2005", "VS2008", "VS2010", "VS2012", "VS2013", "VS2015",
        "VS2017", "VS2019", "VS2022",
    ],
    "buildbot_compat.steps.worker": [
        "CopyDirectory", "FileExists", "MakeDirectory", "RemoveDirectory", "SetPropertiesFromEnv",
    ],
})
