"""``buildbot.plugins.util``."""

import importlib

from buildbot_compat._generic import described_class as _described_class
from buildbot_compat.plugins._third_party import lazy_namespace


def _missing(name):
    raise AttributeError(f"module 'buildbot.plugins.util' has no attribute {name!r}")


_lazy_getattr, __dir__, _lazy_names = lazy_namespace(__name__, {
    "buildbot_compat.changes.filter": ["ChangeFilter"],
    "buildbot_compat.config.builder": ["BuilderConfig"],
    "buildbot_compat.locks": ["MasterLock", "WorkerLock"],
    "buildbot_compat.process.factory": ["BuildFactory"],
    "buildbot_compat.process.properties": [
        "FlattenList", "Interpolate", "Property", "Secret", "Transform", "WithProperties",
        "renderer",
    ],
    "buildbot_compat.process.results": [
        "CANCELLED", "EXCEPTION", "FAILURE", "RETRY", "SKIPPED", "SUCCESS", "WARNINGS", "Results",
    ],
    "buildbot_compat.schedulers.forcesched": [
        "AnyPropertyParameter", "BooleanParameter", "ChoiceStringParameter", "CodebaseParameter",
        "FileParameter", "FixedParameter", "InheritBuildParameter", "IntParameter",
        "NestedParameter", "PatchParameter", "StringParameter", "TextParameter",
        "UserNameParameter", "WorkerChoiceParameter",
    ],
    "buildbot_compat.steps.shellsequence": ["ShellArg"],
    "buildbot_compat.www": [
        "AnyControlEndpointMatcher", "AnyEndpointMatcher", "AvatarGitHub", "AvatarGravatar",
        "Authz", "BitbucketAuth", "CustomAuth", "EnableSchedulerEndpointMatcher",
        "ForceBuildEndpointMatcher", "GitHubAuth", "GitLabAuth", "GoogleAuth", "HTPasswdAuth",
        "LdapUserInfo", "RebuildBuildEndpointMatcher", "RemoteUserAuth", "RolesFromDomain",
        "RolesFromEmails", "RolesFromGroups", "RolesFromOwner", "RolesFromUsername",
        "StopBuildEndpointMatcher", "UserPasswordAuth", "fnmatchStrMatcher", "reStrMatcher",
    ],
    "buildbot_compat.configurators": ["JanitorConfigurator"],
}, _missing)

# Names that resolve so configs load; the engine reports them as not supported yet.
_names = [
    "AuthorizedKeysManhole", "BasicBuildFactory", "BasicSVN", "CPAN", "Codebase",
    "CommandlineUserManager", "Connection", "DbConfig", "Distutils", "FailingBuildsetCanceller",
    "GNUAutoconf", "GerritChangeFilter", "GitCredentialInputRenderer", "GitCredentialOptions",
    "KubeCtlProxyConfigLoader", "KubeHardcodedConfig",
    "KubeInClusterConfigLoader", "LogLineObserver", "OldBuildCanceller", "ParameterGroup",
    "PasswordManhole", "Project", "QuickBuildFactory", "RevlinkMatch", "SourceStampFilter",
    "TelnetManhole", "Trial", "URLForBuild", "enforceChosenWorker",
]
for _name in _names:
    globals()[_name] = _described_class(__name__, _name)
del _name


# `util.repo.*` is a namespace of helpers (`util.svn.split_file_*` too, in `__getattr__`).
class repo:  # noqa: N801 - Buildbot's namespace name
    """``util.repo``: helpers of the Repo source step, described for the engine."""

    DownloadsFromChangeSource = _described_class(__name__, "DownloadsFromChangeSource")
    DownloadsFromProperties = _described_class(__name__, "DownloadsFromProperties")


def __getattr__(name):
    if name == "svn":
        return importlib.import_module("buildbot_compat.changes.svnpoller")
    # 0.8.14's `util` namespace also held the password checkers of the 0.8 web UI's Authz.
    if name in ("BasicAuth", "HTPasswdAprAuth"):
        from buildbot_compat.status.web import auth

        return getattr(auth, name)
    return _lazy_getattr(name)


__all__ = sorted({*_lazy_names, *_names, "svn", "repo"})
