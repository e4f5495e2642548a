"""``buildbot.www`` auth, authz and avatar configuration objects: described; the web server reads
the ones it supports and names the others."""

import fnmatch as _fnmatch
import re as _re

from buildbot_compat import _describe, _generic


class _WwwObject(_generic.DescribedObject):
    """A ``c['www']`` object; a config's own subclass is named (as ``subclass``), so that the
    web server refuses what it would run with the base class's behaviour instead."""

    def _describe(self):
        out = super()._describe()
        if not type(self).__module__.startswith("buildbot_compat."):
            out["subclass"] = type(self).__qualname__
        return out


def _www_class(name):
    return _generic.described_class(__name__, name, _WwwObject)


Authz = _www_class("Authz")
UserPasswordAuth = _www_class("UserPasswordAuth")
HTPasswdAuth = _www_class("HTPasswdAuth")
RemoteUserAuth = _www_class("RemoteUserAuth")
GitHubAuth = _www_class("GitHubAuth")
GitLabAuth = _www_class("GitLabAuth")
GoogleAuth = _www_class("GoogleAuth")
BitbucketAuth = _www_class("BitbucketAuth")
NoAuth = _www_class("NoAuth")
AnyEndpointMatcher = _www_class("AnyEndpointMatcher")
AnyControlEndpointMatcher = _www_class("AnyControlEndpointMatcher")
ForceBuildEndpointMatcher = _www_class("ForceBuildEndpointMatcher")
StopBuildEndpointMatcher = _www_class("StopBuildEndpointMatcher")
RebuildBuildEndpointMatcher = _www_class("RebuildBuildEndpointMatcher")
EnableSchedulerEndpointMatcher = _www_class("EnableSchedulerEndpointMatcher")
BranchEndpointMatcher = _www_class("BranchEndpointMatcher")
ViewBuildsEndpointMatcher = _www_class("ViewBuildsEndpointMatcher")
RolesFromUsername = _www_class("RolesFromUsername")
RolesFromGroups = _www_class("RolesFromGroups")
RolesFromEmails = _www_class("RolesFromEmails")
RolesFromOwner = _www_class("RolesFromOwner")
RolesFromDomain = _www_class("RolesFromDomain")
AvatarGitHub = _www_class("AvatarGitHub")
AvatarGravatar = _www_class("AvatarGravatar")
LdapUserInfo = _www_class("LdapUserInfo")


class CustomAuth(_WwwObject):
    """``util.CustomAuth``: a config's subclass answers ``check_credentials(username,
    password)`` (bytes, as Twisted gives them), which the web server calls on each Basic
    login."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def check_credentials(self, username, password):
        return False

    def _describe(self):
        args = {k: _describe.value(v) for k, v in getattr(self, "_kwargs", {}).items()}
        return {"kind": "CustomAuth", "name": "CustomAuth", "args": args,
                "class_name": type(self).__name__,
                "check_credentials": _describe.handle(_CheckCredentials(self))}


class _CheckCredentials:
    """Calls ``auth.check_credentials`` with the user and password as bytes."""

    def __init__(self, auth):
        self.auth = auth
        self.__qualname__ = f"{type(auth).__qualname__}.check_credentials"

    def __call__(self, username, password):
        return bool(self.auth.check_credentials(username.encode(), password.encode()))


class _StringsMatcher(_describe.Described):
    """``Authz(stringsMatcher=...)``: Buildbot's two functions, callable as they are and
    described by name so that the web server compares roles and builder names the same way."""

    def __init__(self, name, function):
        self.__name__ = self.__qualname__ = name
        self._function = function

    def __call__(self, value, match):
        return self._function(value, match)

    def _describe(self):
        return {"kind": self.__name__, "name": self.__name__, "args": {}}


fnmatchStrMatcher = _StringsMatcher(
    "fnmatchStrMatcher", lambda value, match: _fnmatch.fnmatch(value, match))
reStrMatcher = _StringsMatcher("reStrMatcher", lambda value, match: bool(_re.match(match, value)))
