//! `c['www']['authz']`: Buildbot's `util.Authz(allowRules, roleMatchers, stringsMatcher)`.
//! Every REST read (action: the HTTP method name), control call (action: the JSON-RPC method)
//! and `/ws` connection (`masters`, `get`) is checked against the rules in order: the first
//! rule whose endpoint matcher matches decides (the user has a role the rule names: allowed;
//! else denied unless the rule has `defaultDeny=False`, which passes on to the next rule). No
//! matching rule: allowed.

use oxbot_master::data::api::{DataApi, DataResult, Route, route};
use regex::Regex;
use serde_json::{Map, Value};

use super::described::{Described, arg, string_list};

/// How role names and builder names are compared with a rule's patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringsMatcher {
    /// `util.fnmatchStrMatcher` (the default): a shell glob matching the whole string.
    #[default]
    Fnmatch,
    /// `util.reStrMatcher`: a regular expression matching at the start (Python's `re.match`).
    Re,
}

impl StringsMatcher {
    pub fn matches(self, value: &str, pattern: &str) -> bool {
        let regex = match self {
            StringsMatcher::Fnmatch => crate::fnmatch::regex(pattern),
            StringsMatcher::Re => format!("^(?:{pattern})"),
        };
        Regex::new(&regex).is_ok_and(|r| r.is_match(value))
    }
}

/// What a rule's endpoint matcher matches.
#[derive(Debug, Clone, PartialEq)]
enum Endpoint {
    /// `AnyEndpointMatcher`: everything, reads included.
    Any,
    /// `AnyControlEndpointMatcher`: every action but `get` (so `HEAD` too).
    AnyControl,
    /// `ForceBuildEndpointMatcher(builder=glob)`: `force` on a force scheduler that builds a
    /// matching builder.
    ForceBuild(Option<String>),
    /// `StopBuildEndpointMatcher(builder=glob)`: `stop` on a build or a build request.
    StopBuild(Option<String>),
    /// `RebuildBuildEndpointMatcher(builder=glob)`: `rebuild` on a build.
    RebuildBuild(Option<String>),
    /// `EnableSchedulerEndpointMatcher`: `enable` on a scheduler.
    EnableScheduler,
    /// `ViewBuildsEndpointMatcher` and `BranchEndpointMatcher`: declared by Buildbot 4.3 but
    /// "not yet implemented" there: they match nothing.
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    endpoint: Endpoint,
    role: String,
    default_deny: bool,
}

/// A role matcher (`RolesFromOwner` is kept apart, as Buildbot does).
#[derive(Debug, Clone, PartialEq)]
enum RoleMatcher {
    /// `RolesFromGroups(groupPrefix)`: each group starting with the prefix, without it.
    Groups(String),
    /// `RolesFromEmails(role=[emails])`: (email, role) pairs.
    Emails(Vec<(String, String)>),
    /// `RolesFromDomain(role=[domains])`: (domain, role) pairs for the email's domain.
    Domain(Vec<(String, String)>),
    /// `RolesFromUsername(roles, usernames)`.
    Username {
        roles: Vec<String>,
        usernames: Vec<String>,
    },
}

impl RoleMatcher {
    fn roles(&self, user: &Map<String, Value>, out: &mut Vec<String>) {
        let email = user.get("email").and_then(Value::as_str);
        match self {
            RoleMatcher::Groups(prefix) => {
                let groups = user.get("groups").and_then(Value::as_array);
                for group in groups.into_iter().flatten().filter_map(Value::as_str) {
                    if let Some(role) = group.strip_prefix(prefix.as_str()) {
                        out.push(role.to_owned());
                    }
                }
            }
            RoleMatcher::Emails(pairs) => {
                if let Some(email) = email {
                    out.extend(
                        pairs
                            .iter()
                            .filter(|(e, _)| e == email)
                            .map(|(_, r)| r.clone()),
                    );
                }
            }
            RoleMatcher::Domain(pairs) => {
                if let Some(email) = email {
                    let domain = email.rsplit('@').next().unwrap_or(email);
                    out.extend(
                        pairs
                            .iter()
                            .filter(|(d, _)| d == domain)
                            .map(|(_, r)| r.clone()),
                    );
                }
            }
            RoleMatcher::Username { roles, usernames } => {
                let username = user.get("username").and_then(Value::as_str);
                if username.is_some_and(|u| usernames.iter().any(|n| n == u)) {
                    out.extend(roles.iter().cloned());
                }
            }
        }
    }
}

/// What a matched rule knows about the object, to find its owner.
enum Matched {
    Nothing,
    Build(Value),
    BuildRequest(Value),
}

/// The configured authorization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authz {
    rules: Vec<Rule>,
    role_matchers: Vec<RoleMatcher>,
    /// The roles of `RolesFromOwner(role)` matchers.
    owner_roles: Vec<String>,
    strings: StringsMatcher,
}

fn role_pairs(args: &Map<String, Value>, kind: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for (role, values) in args {
        if role == "args" {
            return Err(format!("{kind} takes keyword arguments only (role=[...])"));
        }
        for value in string_list(Some(values), &format!("{kind}({role}=...)"))? {
            pairs.push((value, role.clone()));
        }
    }
    Ok(pairs)
}

impl Authz {
    /// Reads a described `util.Authz(...)`; an error names what oxbot cannot honour.
    pub fn from_described(value: &Value) -> Result<Authz, String> {
        let authz = Described::of(value, "c['www']['authz']")?;
        if authz.kind != "Authz" {
            return Err(format!(
                "not supported yet by oxbot: c['www']['authz'] = {} (util.Authz is supported)",
                authz.kind
            ));
        }
        let mut out = Authz::default();
        if let Some(matcher) = arg(authz.args, 2, "stringsMatcher").filter(|v| !v.is_null()) {
            out.strings = match matcher.get("kind").and_then(Value::as_str) {
                Some("fnmatchStrMatcher") => StringsMatcher::Fnmatch,
                Some("reStrMatcher") => StringsMatcher::Re,
                _ => {
                    return Err(format!(
                        "not supported yet by oxbot: Authz(stringsMatcher={}) (util.fnmatchStrMatcher and util.reStrMatcher are supported)",
                        matcher
                            .get("repr")
                            .and_then(Value::as_str)
                            .unwrap_or("a custom function")
                    ));
                }
            };
        }
        let rules = arg(authz.args, 0, "allowRules").filter(|v| !v.is_null());
        for rule in rules.and_then(Value::as_array).into_iter().flatten() {
            let rule = Described::of(rule, "an Authz allowRules entry")?;
            let builder = |position| -> Result<Option<String>, String> {
                match arg(rule.args, position, "builder") {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(other) => Err(format!("{}(builder={other}): not a string", rule.kind)),
                }
            };
            // Buildbot's matchers take `builder` (or the view filters) first, then `role`
            // and `defaultDeny` by keyword; the base ones take `role, defaultDeny`.
            let (endpoint, base_position) = match rule.kind {
                "AnyEndpointMatcher" => (Endpoint::Any, 0),
                "AnyControlEndpointMatcher" => (Endpoint::AnyControl, 0),
                "EnableSchedulerEndpointMatcher" => (Endpoint::EnableScheduler, 0),
                "ForceBuildEndpointMatcher" => (Endpoint::ForceBuild(builder(0)?), 1),
                "StopBuildEndpointMatcher" => (Endpoint::StopBuild(builder(0)?), 1),
                "RebuildBuildEndpointMatcher" => (Endpoint::RebuildBuild(builder(0)?), 1),
                "ViewBuildsEndpointMatcher" => (Endpoint::Nothing, 3),
                "BranchEndpointMatcher" => (Endpoint::Nothing, 1),
                other => {
                    return Err(format!(
                        "not supported yet by oxbot: the endpoint matcher {other} in c['www']['authz']"
                    ));
                }
            };
            let role = match arg(rule.args, base_position, "role") {
                Some(Value::String(role)) => role.clone(),
                _ => return Err(format!("{}: 'role' must be a string", rule.kind)),
            };
            let default_deny = match arg(rule.args, base_position + 1, "defaultDeny") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(format!("{}(defaultDeny={other}): not a boolean", rule.kind));
                }
            };
            out.rules.push(Rule {
                endpoint,
                role,
                default_deny,
            });
        }
        let matchers = arg(authz.args, 1, "roleMatchers").filter(|v| !v.is_null());
        for matcher in matchers.and_then(Value::as_array).into_iter().flatten() {
            let matcher = Described::of(matcher, "an Authz roleMatchers entry")?;
            let context = |name: &str| format!("{}({name}=...)", matcher.kind);
            match matcher.kind {
                "RolesFromGroups" => {
                    let prefix = match arg(matcher.args, 0, "groupPrefix") {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(_) => return Err(format!("{}: not a string", context("groupPrefix"))),
                    };
                    out.role_matchers.push(RoleMatcher::Groups(prefix));
                }
                "RolesFromEmails" => out
                    .role_matchers
                    .push(RoleMatcher::Emails(role_pairs(matcher.args, matcher.kind)?)),
                "RolesFromDomain" => out
                    .role_matchers
                    .push(RoleMatcher::Domain(role_pairs(matcher.args, matcher.kind)?)),
                "RolesFromUsername" => {
                    let roles = string_list(arg(matcher.args, 0, "roles"), &context("roles"))?;
                    let usernames =
                        string_list(arg(matcher.args, 1, "usernames"), &context("usernames"))?;
                    out.role_matchers
                        .push(RoleMatcher::Username { roles, usernames });
                }
                "RolesFromOwner" => match arg(matcher.args, 0, "role") {
                    Some(Value::String(role)) => out.owner_roles.push(role.clone()),
                    _ => return Err(format!("{}: not a string", context("role"))),
                },
                other => {
                    return Err(format!(
                        "not supported yet by oxbot: the role matcher {other} in c['www']['authz']"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Whether there are no rules (Buildbot's default `Authz()`: everything allowed).
    pub fn allows_everything(&self) -> bool {
        self.rules.is_empty()
    }

    /// Checks `action` on the endpoint at `path` (segments after `/api/v2/`) for `user`;
    /// `Err` carries Buildbot's message (`you need to have role '<role>'`).
    pub async fn check(
        &self,
        data: &DataApi,
        user: &Map<String, Value>,
        path: &[&str],
        action: &str,
        options: &Map<String, Value>,
    ) -> Result<(), String> {
        if self.rules.is_empty() {
            return Ok(());
        }
        let mut roles = Vec::new();
        for matcher in &self.role_matchers {
            matcher.roles(user, &mut roles);
        }
        for rule in &self.rules {
            let Some(matched) = self
                .matches(data, &rule.endpoint, path, action, options)
                .await
            else {
                continue;
            };
            let mut roles = roles.clone();
            if !self.owner_roles.is_empty()
                && let Some(owner) = owner(data, &matched).await
                && user.get("email").and_then(Value::as_str) == Some(owner.as_str())
            {
                roles.extend(self.owner_roles.iter().cloned());
            }
            if roles.iter().any(|r| self.strings.matches(r, &rule.role)) {
                return Ok(());
            }
            if rule.default_deny {
                return Err(format!("you need to have role '{}'", rule.role));
            }
        }
        Ok(())
    }

    async fn matches(
        &self,
        data: &DataApi,
        endpoint: &Endpoint,
        path: &[&str],
        action: &str,
        options: &Map<String, Value>,
    ) -> Option<Matched> {
        match endpoint {
            Endpoint::Any => return Some(Matched::Nothing),
            Endpoint::AnyControl => {
                return (!action.eq_ignore_ascii_case("get")).then_some(Matched::Nothing);
            }
            Endpoint::Nothing => return None,
            _ => {}
        }
        let route = route(path)?;
        match (endpoint, route, action) {
            (Endpoint::ForceBuild(builder), Route::ForceScheduler(name), "force") => {
                let Some(pattern) = builder else {
                    return Some(Matched::Nothing);
                };
                let scheduler = single(data, &["forceschedulers", name]).await?;
                let names = force_builder_names(data, &scheduler, options).await;
                names
                    .iter()
                    .any(|n| self.strings.matches(n, pattern))
                    .then_some(Matched::Nothing)
            }
            (Endpoint::StopBuild(builder), Route::Build(_), "stop")
            | (Endpoint::RebuildBuild(builder), Route::Build(_), "rebuild") => {
                let build = single(data, path).await;
                self.filtered(data, builder.as_deref(), build, Matched::Build)
                    .await
            }
            (Endpoint::StopBuild(builder), Route::BuildRequest(_), "stop") => {
                let request = single(data, path).await;
                self.filtered(data, builder.as_deref(), request, Matched::BuildRequest)
                    .await
            }
            (Endpoint::EnableScheduler, Route::Scheduler { .. }, "enable") => {
                Some(Matched::Nothing)
            }
            _ => None,
        }
    }

    /// A build or build request matches when no builder pattern is given, or when its
    /// builder's name matches the pattern.
    async fn filtered(
        &self,
        data: &DataApi,
        builder: Option<&str>,
        object: Option<Value>,
        wrap: fn(Value) -> Matched,
    ) -> Option<Matched> {
        let Some(pattern) = builder else {
            return Some(object.map_or(Matched::Nothing, wrap));
        };
        let object = object?;
        let builderid = object.get("builderid")?.to_string();
        let name = builder_name(data, &builderid).await?;
        self.strings.matches(&name, pattern).then(|| wrap(object))
    }
}

async fn single(data: &DataApi, path: &[&str]) -> Option<Value> {
    match data.get(path, &Vec::new()).await {
        Ok(DataResult::Single { item, .. }) => Some(item),
        _ => None,
    }
}

async fn builder_name(data: &DataApi, builderid: &str) -> Option<String> {
    let builder = single(data, &["builders", builderid]).await?;
    builder.get("name")?.as_str().map(str::to_owned)
}

/// The builders a `force` call builds, as Buildbot's `computeBuilderNames`: `builderNames`
/// intersected with the scheduler's, else the builder `builderid` names, else all of the
/// scheduler's.
async fn force_builder_names(
    data: &DataApi,
    scheduler: &Value,
    options: &Map<String, Value>,
) -> Vec<String> {
    let own: Vec<String> = scheduler
        .get("builder_names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    match (options.get("builderNames"), options.get("builderid")) {
        (Some(Value::Array(names)), _) => {
            let mut names: Vec<String> = names
                .iter()
                .filter_map(Value::as_str)
                .filter(|n| own.iter().any(|o| o == n))
                .map(str::to_owned)
                .collect();
            names.sort();
            names.dedup();
            names
        }
        (None | Some(Value::Null), Some(id)) if !id.is_null() => {
            let id = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
            builder_name(data, &id).await.into_iter().collect()
        }
        _ => own,
    }
}

/// The `owner` property of the buildset behind a matched build or build request.
async fn owner(data: &DataApi, matched: &Matched) -> Option<String> {
    let request = match matched {
        Matched::Nothing => return None,
        Matched::BuildRequest(request) => request.clone(),
        Matched::Build(build) => {
            let brid = build.get("buildrequestid")?.to_string();
            single(data, &["buildrequests", &brid]).await?
        }
    };
    let bsid = request.get("buildsetid")?.to_string();
    let properties = single(data, &["buildsets", &bsid, "properties"]).await?;
    let owner = properties.get("owner")?.get(0)?;
    Some(
        owner
            .as_str()
            .map_or_else(|| owner.to_string(), str::to_owned),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_matchers_are_fnmatch_and_re_match() {
        let m = StringsMatcher::Fnmatch;
        assert!(m.matches("admins", "adm*") && !m.matches("xadmins", "adm*"));
        let re = StringsMatcher::Re;
        assert!(re.matches("admins-extra", "adm.*") && !re.matches("xadm", "adm"));
    }

    #[test]
    fn roles_come_from_the_user_details() {
        let user = json!({"username": "ada", "email": "ada@example.org", "groups": ["bb-admins", "other"]});
        let user = user.as_object().unwrap();
        let mut roles = Vec::new();
        for matcher in [
            RoleMatcher::Groups("bb-".into()),
            RoleMatcher::Emails(vec![("ada@example.org".into(), "dev".into())]),
            RoleMatcher::Domain(vec![("example.org".into(), "staff".into())]),
            RoleMatcher::Username {
                roles: vec!["ops".into()],
                usernames: vec!["ada".into()],
            },
            RoleMatcher::Username {
                roles: vec!["nope".into()],
                usernames: vec!["bob".into()],
            },
        ] {
            matcher.roles(user, &mut roles);
        }
        assert_eq!(roles, ["admins", "dev", "staff", "ops"]);
    }

    #[test]
    fn a_described_authz_is_read_and_unknown_kinds_are_named() {
        let authz = json!({"kind": "Authz", "name": "Authz", "args": {
            "allowRules": [
                {"kind": "ForceBuildEndpointMatcher", "args": {"builder": "b*", "role": "admins"}},
                {"kind": "AnyControlEndpointMatcher", "args": {"args": ["ops", false]}},
            ],
            "roleMatchers": [
                {"kind": "RolesFromUsername", "args": {"roles": ["admins"], "usernames": ["admin"]}},
                {"kind": "RolesFromOwner", "args": {"role": "owner"}},
                {"kind": "RolesFromEmails", "args": {"dev": ["a@b", "c@d"]}},
            ],
            "stringsMatcher": {"kind": "reStrMatcher", "args": {}},
        }});
        let authz = Authz::from_described(&authz).unwrap();
        assert_eq!(
            authz.rules,
            vec![
                Rule {
                    endpoint: Endpoint::ForceBuild(Some("b*".into())),
                    role: "admins".into(),
                    default_deny: true
                },
                Rule {
                    endpoint: Endpoint::AnyControl,
                    role: "ops".into(),
                    default_deny: false
                },
            ]
        );
        assert_eq!(authz.owner_roles, ["owner"]);
        assert_eq!(authz.strings, StringsMatcher::Re);
        assert_eq!(
            authz.role_matchers[1],
            RoleMatcher::Emails(vec![
                ("a@b".into(), "dev".into()),
                ("c@d".into(), "dev".into())
            ])
        );
        let custom = json!({"kind": "Authz", "args": {"allowRules": [
            {"kind": "MyMatcher", "args": {"role": "x"}}]}});
        assert_eq!(
            Authz::from_described(&custom).unwrap_err(),
            "not supported yet by oxbot: the endpoint matcher MyMatcher in c['www']['authz']"
        );
        let function =
            json!({"kind": "Authz", "args": {"stringsMatcher": {"$python": 1, "repr": "mine"}}});
        assert!(
            Authz::from_described(&function)
                .unwrap_err()
                .contains("stringsMatcher=mine")
        );
    }
}
