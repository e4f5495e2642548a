"""``buildbot.plugins.util``."""

from buildbot_compat.changes.filter import ChangeFilter  # noqa: F401
from buildbot_compat.config.builder import BuilderConfig  # noqa: F401
from buildbot_compat.locks import MasterLock, WorkerLock  # noqa: F401
from buildbot_compat.process.factory import BuildFactory  # noqa: F401
from buildbot_compat.process.properties import (  # noqa: F401
    FlattenList, Interpolate, Property, Secret, Transform, WithProperties, renderer,
)
from buildbot_compat.process.results import (  # noqa: F401
    CANCELLED, EXCEPTION, FAILURE, RETRY, SKIPPED, SUCCESS, WARNINGS, Results,
)
from buildbot_compat.schedulers.forcesched import (  # noqa: F401
    AnyPropertyParameter, BooleanParameter, ChoiceStringParameter, CodebaseParameter,
    FileParameter, FixedParameter, InheritBuildParameter, IntParameter, NestedParameter,
    PatchParameter, StringParameter, TextParameter, UserNameParameter, WorkerChoiceParameter,
)
from buildbot_compat.steps.shellsequence import ShellArg  # noqa: F401
from buildbot_compat.www import (  # noqa: F401
    AnyControlEndpointMatcher, AnyEndpointMatcher, AvatarGitHub, AvatarGravatar, Authz,
    BitbucketAuth, CustomAuth, EnableSchedulerEndpointMatcher, ForceBuildEndpointMatcher,
    GitHubAuth, GitLabAuth, GoogleAuth, HTPasswdAuth, LdapUserInfo, RebuildBuildEndpointMatcher,
    RemoteUserAuth, RolesFromDomain, RolesFromEmails, RolesFromGroups, RolesFromOwner,
    RolesFromUsername, StopBuildEndpointMatcher, UserPasswordAuth, fnmatchStrMatcher, reStrMatcher,
)
from buildbot_compat._generic import described_class as _described_class
from buildbot_compat.configurators import JanitorConfigurator  # noqa: F401

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

# `util.svn.split_file_*` and `util.repo.*` are namespaces of helpers.
from buildbot_compat.changes import svnpoller as svn  # noqa: E402,F401


class repo:  # noqa: N801 - Buildbot's namespace name
    """``util.repo``: helpers of the Repo source step, described for the engine."""

    DownloadsFromChangeSource = _described_class(__name__, "DownloadsFromChangeSource")
    DownloadsFromProperties = _described_class(__name__, "DownloadsFromProperties")


def __getattr__(name):
    # 0.8.14's `util` namespace also held the password checkers of the 0.8 web UI's Authz.
    if name in ("BasicAuth", "HTPasswdAprAuth"):
        from buildbot_compat.status.web import auth

        return getattr(auth, name)
    raise AttributeError(f"module 'buildbot.plugins.util' has no attribute {name!r}")
