//! What of a configuration the engine runs today, and what it does not yet. `checkconfig`
//! lists the gaps and `start` logs them, so nothing in a config is silently ignored; a step
//! kind that is missing also fails the build that reaches it, naming it.

use oxbot_core::config::{MasterConfig, Value};

/// Step kinds the engine runs (Buildbot's class names).
pub const SUPPORTED_STEPS: &[&str] = &[
    "ShellCommand",
    "Configure",
    "Compile",
    "Test",
    "Git",
    "MakeDirectory",
    "RemoveDirectory",
    "CopyDirectory",
    "FileExists",
    "SetProperty",
    "SetProperties",
    "SetPropertyFromCommand",
    "FileUpload",
    "DirectoryUpload",
    "MultipleFileUpload",
    "FileDownload",
    "StringDownload",
    "Trigger",
    "MasterShellCommand",
    "Python",
    "GitHub",
];

/// Scheduler kinds the engine runs.
pub const SUPPORTED_SCHEDULERS: &[&str] = &[
    "ForceScheduler",
    "Triggerable",
    "SingleBranchScheduler",
    "AnyBranchScheduler",
    "Periodic",
    "Nightly",
    "Dependent",
    "NightlyTriggerable",
];

/// Change source kinds the engine runs.
pub const SUPPORTED_CHANGE_SOURCES: &[&str] = &["GitPoller", "SVNPoller", "HgPoller"];

/// Renderable kinds the engine renders.
pub const SUPPORTED_RENDERABLES: &[&str] = &[
    "Property",
    "Interpolate",
    "WithProperties",
    "renderer",
    "Transform",
    "Secret",
];

/// Renderable kinds in a value that the engine cannot render yet.
fn unsupported_renderables(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| unsupported_renderables(v, out)),
        Value::Object(map) => {
            if let Some(kind) = map.get("$renderable").and_then(Value::as_str)
                && !SUPPORTED_RENDERABLES.contains(&kind)
                && !out.iter().any(|k| k == kind)
            {
                out.push(kind.to_owned());
            }
            map.values().for_each(|v| unsupported_renderables(v, out));
        }
        _ => {}
    }
}

/// `BuildmasterConfig` keys whose settings change nothing oxbot does: oxbot sends no usage
/// data, and its caches are not sized by the configuration.
const NO_EFFECT_KEYS: &[&str] = &[
    "buildbotNetUsageData",
    "caches",
    "buildCacheSize",
    "changeCacheSize",
];

/// Change hook dialects the web port serves.
pub const SUPPORTED_HOOK_DIALECTS: &[&str] = &["base", "github", "gitlab"];

/// What of `c['www']`'s `change_hook_dialects` and `change_hook_auth` is not supported yet.
fn change_hook_gaps(www: &oxbot_core::config::Map) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Object(dialects)) = www.get("change_hook_dialects") {
        for (name, options) in dialects {
            let is_string_or_secret = |v: &Value| {
                v.is_string()
                    || v.is_null()
                    || v.get("$renderable").and_then(Value::as_str) == Some("Secret")
            };
            if options.get("custom_class").is_some() {
                out.push(format!(
                    "change hook dialect '{name}' with a custom_class (/change_hook/{name} answers 501)"
                ));
            } else if !SUPPORTED_HOOK_DIALECTS.contains(&name.as_str()) {
                out.push(format!(
                    "change hook dialect '{name}' (/change_hook/{name} answers 501)"
                ));
            } else if options
                .get("secret")
                .is_some_and(|v| !is_string_or_secret(v))
            {
                out.push(format!(
                    "a change hook secret that is not a string or util.Secret (/change_hook/{name} answers 501)"
                ));
            } else if name == "github" {
                if options.get("class").is_some() {
                    out.push(
                        "the github change hook's 'class' option (/change_hook/github answers 501)"
                            .to_owned(),
                    );
                }
                if options
                    .get("codebase")
                    .is_some_and(|v| !v.is_string() && !v.is_null())
                {
                    out.push(
                        "a github change hook codebase that is not a string (/change_hook/github answers 501)"
                            .to_owned(),
                    );
                }
                out.push(
                    "the GitHub API calls of the github change hook (pull_request changes have no files, and the head commit message is not checked for skips)"
                        .to_owned(),
                );
            }
        }
    }
    match www.get("change_hook_auth") {
        None | Some(Value::Null) => {}
        Some(Value::Array(entries)) => {
            for entry in entries {
                let supported = entry.as_str().is_some_and(|e| {
                    e.strip_prefix("file:").is_some_and(|p| !p.is_empty())
                        || e.starts_with("memory:")
                });
                if !supported {
                    out.push(format!(
                        "c['www']['change_hook_auth'] entry {entry} (only \"file:<path>\" and \"memory:<user>:<password>\"; the master does not start)"
                    ));
                }
            }
        }
        Some(other) => out.push(format!(
            "c['www']['change_hook_auth'] = {other} (the master does not start)"
        )),
    }
    out
}

/// The `c['www']['auth']` kinds the web port serves.
pub const SUPPORTED_AUTH: &[&str] = &[
    "NoAuth",
    "UserPasswordAuth",
    "HTPasswdAuth",
    "RemoteUserAuth",
    "CustomAuth",
];

/// The `util.Authz` endpoint and role matchers the web port runs (all of Buildbot 4.3's).
pub const SUPPORTED_AUTHZ_MATCHERS: &[&str] = &[
    "AnyEndpointMatcher",
    "AnyControlEndpointMatcher",
    "ForceBuildEndpointMatcher",
    "StopBuildEndpointMatcher",
    "RebuildBuildEndpointMatcher",
    "EnableSchedulerEndpointMatcher",
    "ViewBuildsEndpointMatcher",
    "BranchEndpointMatcher",
    "RolesFromGroups",
    "RolesFromEmails",
    "RolesFromDomain",
    "RolesFromOwner",
    "RolesFromUsername",
];

/// What of `c['www']`'s `auth` and `authz` the web port cannot honour (the master does not
/// start with any of it, rather than let everyone in or no one).
fn auth_gaps(www: &oxbot_core::config::Map) -> Vec<String> {
    let mut out = Vec::new();
    let named = |value: &Value| {
        let kind = value.get("kind").and_then(Value::as_str);
        match (kind, value.get("subclass").and_then(Value::as_str)) {
            (Some(kind), Some(subclass)) => Some(format!("{subclass} (a subclass of {kind})")),
            (Some(_), None) => None,
            (None, _) => Some(
                value
                    .get("repr")
                    .and_then(Value::as_str)
                    .unwrap_or("a Python object")
                    .to_owned(),
            ),
        }
    };
    if let Some(auth) = www.get("auth").filter(|v| !v.is_null()) {
        let kind = auth.get("kind").and_then(Value::as_str).unwrap_or("");
        if let Some(name) = named(auth) {
            out.push(format!(
                "c['www']['auth'] = {name} (the master does not start)"
            ));
        } else if !SUPPORTED_AUTH.contains(&kind) {
            out.push(format!(
                "c['www']['auth'] = {kind} (the master does not start; oxbot serves {})",
                SUPPORTED_AUTH.join(", ")
            ));
        } else if auth
            .pointer("/args/userInfoProvider")
            .is_some_and(|v| !v.is_null())
        {
            out.push(format!(
                "{kind}(userInfoProvider=...) (the master does not start)"
            ));
        }
    }
    if let Some(authz) = www.get("authz").filter(|v| !v.is_null()) {
        let args = authz.get("args");
        let entries = ["allowRules", "roleMatchers"]
            .iter()
            .filter_map(|k| args.and_then(|a| a.get(*k)).and_then(Value::as_array))
            .flatten();
        let kind = authz.get("kind").and_then(Value::as_str).unwrap_or("");
        if let Some(name) = named(authz).or_else(|| (kind != "Authz").then(|| kind.to_owned())) {
            out.push(format!(
                "c['www']['authz'] = {name} (the master does not start)"
            ));
        }
        for entry in entries {
            let kind = entry.get("kind").and_then(Value::as_str).unwrap_or("");
            if let Some(name) = named(entry)
                .or_else(|| (!SUPPORTED_AUTHZ_MATCHERS.contains(&kind)).then(|| kind.to_owned()))
            {
                out.push(format!(
                    "the authz matcher {name} (the master does not start)"
                ));
            }
        }
        if let Some(matcher) = args
            .and_then(|a| a.get("stringsMatcher"))
            .filter(|v| !v.is_null())
        {
            let kind = matcher.get("kind").and_then(Value::as_str);
            if !matches!(kind, Some("fnmatchStrMatcher" | "reStrMatcher")) {
                out.push(format!(
                    "Authz(stringsMatcher={}) (the master does not start; util.fnmatchStrMatcher and util.reStrMatcher are supported)",
                    named(matcher).or(kind.map(str::to_owned)).unwrap_or_default()
                ));
            }
        }
    }
    out
}

/// A `c['www']['port']` oxbot's web server cannot listen on (a strports string other than
/// `tcp:`, such as `unix:/path/to.sock`, which the shim leaves in `www.other` only): the master
/// refuses to start with this line, and checkconfig lists it.
pub fn www_port_not_served(config: &MasterConfig) -> Option<String> {
    if config.www.port.is_some() {
        return None;
    }
    let port = config
        .www
        .other
        .get("port")
        .filter(|port| !port.is_null())?;
    let shown = port
        .as_str()
        .map_or_else(|| port.to_string(), |s| format!("'{s}'"));
    Some(format!(
        "c['www']['port'] = {shown} (oxbot's web server listens on TCP ports only; the master does not start)"
    ))
}

/// One line per configured feature the engine does not run yet, in config order, without
/// repeats. Callers print each after "not supported yet by oxbot: ", so a line made from an
/// error that already says so loses its own copy.
pub fn unsupported_features(config: &MasterConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |line: String| {
        let line = line
            .strip_prefix("not supported yet by oxbot: ")
            .map_or(line.clone(), str::to_owned);
        if !out.contains(&line) {
            out.push(line);
        }
    };
    for worker in &config.workers {
        if let Some(kind) = &worker.unsupported_kind {
            add(format!(
                "worker {kind} (worker '{}' will never connect)",
                worker.name
            ));
        }
    }
    for source in &config.change_sources {
        if !SUPPORTED_CHANGE_SOURCES.contains(&source.kind.as_str()) {
            add(format!(
                "change source {} ('{}' does not poll or receive changes)",
                source.kind, source.name
            ));
        } else if source.kind == "GitPoller"
            && let Err(err) = crate::changes::gitpoller::GitPoller::from_config(source, None)
        {
            add(format!("{err} ('{}' does not poll)", source.name));
        } else if source.kind == "SVNPoller"
            && let Err(err) = crate::changes::svnpoller::SvnPoller::from_config(source, None)
        {
            add(format!("{err} ('{}' does not poll)", source.name));
        } else if source.kind == "HgPoller"
            && let Err(err) = crate::changes::hgpoller::HgPoller::from_config(source, None)
        {
            add(format!("{err} ('{}' does not poll)", source.name));
        }
    }
    for scheduler in &config.schedulers {
        if !SUPPORTED_SCHEDULERS.contains(&scheduler.kind.as_str()) {
            add(format!(
                "scheduler {} ('{}' never starts builds)",
                scheduler.kind, scheduler.name
            ));
        } else if scheduler
            .args
            .get("priority")
            .is_some_and(|p| !p.is_null() && !p.is_i64())
        {
            add(format!(
                "a scheduler priority that is not an int ('{}' adds its buildsets with priority 0)",
                scheduler.name
            ));
        } else if matches!(
            scheduler.kind.as_str(),
            "SingleBranchScheduler" | "AnyBranchScheduler"
        ) && let Err(err) = crate::schedulers::basic::BranchScheduler::from_config(
            scheduler,
            &std::collections::BTreeMap::new(),
            None,
        ) {
            add(format!("{err} ('{}' never starts builds)", scheduler.name));
        } else if matches!(
            scheduler.kind.as_str(),
            "Periodic" | "Nightly" | "NightlyTriggerable"
        ) && let Err(err) = crate::schedulers::timed::TimedScheduler::from_config(
            scheduler,
            &std::collections::BTreeMap::new(),
            None,
        ) {
            add(format!("{err} ('{}' never starts builds)", scheduler.name));
        }
    }
    for builder in &config.builders {
        if let Some(kind) = &builder.factory.unsupported_kind {
            add(format!("{kind} (builder '{}')", builder.name));
        }
        for step in &builder.factory.steps {
            let runs_in_python = crate::steps::PythonStep::runs_in_python(&step.args);
            if !SUPPORTED_STEPS.contains(&step.kind.as_str()) && !runs_in_python {
                let kind = if step.kind == "Python" {
                    "custom Python steps".to_owned()
                } else {
                    format!("step {}", step.kind)
                };
                add(format!("{kind} (builds that reach one end in EXCEPTION)"));
            }
            let mut kinds = Vec::new();
            unsupported_renderables(&Value::Object(step.args.clone()), &mut kinds);
            for kind in kinds {
                add(format!(
                    "renderable {kind} (the step using it ends in EXCEPTION)"
                ));
            }
        }
    }
    for key in config.other.keys() {
        let simple_mq = key == "mq"
            && config.other[key]
                .get("type")
                .and_then(Value::as_str)
                .is_none_or(|kind| kind == "simple");
        // An empty value (say the `c['projects'] = []` a configurator sets by default) is
        // the same as none.
        let empty = match &config.other[key] {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::Object(map) => map.is_empty(),
            _ => false,
        };
        if !NO_EFFECT_KEYS.contains(&key.as_str()) && !simple_mq && !empty {
            add(format!("c['{key}'] (oxbot runs as if it were not set)"));
        }
    }
    if let Some(method) = &config.log_compression_method
        && oxbot_db::LogCompression::from_name(method).is_none()
    {
        add(format!(
            "c['logCompressionMethod'] = '{method}' (oxbot stores log chunks with gz)"
        ));
    }
    for provider in &config.secrets_providers {
        let kind = provider.get("kind").and_then(Value::as_str).unwrap_or("?");
        if !crate::secrets::SUPPORTED_PROVIDERS.contains(&kind) {
            add(format!(
                "secrets provider {kind} (its secrets are not found)"
            ));
        }
    }
    for service in &config.services {
        add(format!(
            "service {} ('{}' does nothing)",
            service.kind, service.name
        ));
    }
    if let Some(line) = www_port_not_served(config) {
        add(line);
    }
    for key in config.www.other.keys() {
        if key == "port" {
            continue;
        }
        if !matches!(
            key.as_str(),
            "allowed_origins"
                | "json_cache_seconds"
                | "change_hook_dialects"
                | "change_hook_auth"
                | "auth"
                | "authz"
                | "cookie_expiration_time"
                // Handed to the official UI in its frontend config, as Buildbot does.
                | "theme"
                | "ui_default_config"
                | "versions"
                | "project_widgets"
        ) {
            add(format!("c['www']['{key}']"));
        }
    }
    for line in change_hook_gaps(&config.www.other) {
        add(line);
    }
    for line in auth_gaps(&config.www.other) {
        add(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{auth_gaps, change_hook_gaps};

    #[test]
    fn change_hooks_oxbot_cannot_serve_are_named() {
        let www = json!({
            "change_hook_dialects": {
                "base": true,
                "gitlab": {"secret": "tok"},
                "bitbucket": true,
                "mine": {"custom_class": {"$python": 3}},
            },
            "change_hook_auth": ["file:changehook.passwd", "unix"],
        });
        let lines = change_hook_gaps(www.as_object().unwrap());
        assert_eq!(
            lines,
            vec![
                "change hook dialect 'bitbucket' (/change_hook/bitbucket answers 501)",
                "change hook dialect 'mine' with a custom_class (/change_hook/mine answers 501)",
                "c['www']['change_hook_auth'] entry \"unix\" (only \"file:<path>\" and \"memory:<user>:<password>\"; the master does not start)",
            ]
        );
    }

    #[test]
    fn auth_kinds_oxbot_cannot_serve_are_named() {
        let www = json!({
            "auth": {"kind": "GitHubAuth", "args": {"args": ["id", "secret"]}},
            "authz": {"kind": "Authz", "args": {
                "allowRules": [
                    {"kind": "AnyControlEndpointMatcher", "args": {"role": "admins"}},
                    {"kind": "AnyEndpointMatcher", "subclass": "Mine", "args": {"role": "x"}},
                ],
                "roleMatchers": [{"kind": "RolesFromUsername", "args": {}}],
                "stringsMatcher": {"$python": 2, "repr": "my_matcher"},
            }},
        });
        assert_eq!(
            auth_gaps(www.as_object().unwrap()),
            vec![
                "c['www']['auth'] = GitHubAuth (the master does not start; oxbot serves NoAuth, UserPasswordAuth, HTPasswdAuth, RemoteUserAuth, CustomAuth)",
                "the authz matcher Mine (a subclass of AnyEndpointMatcher) (the master does not start)",
                "Authz(stringsMatcher=my_matcher) (the master does not start; util.fnmatchStrMatcher and util.reStrMatcher are supported)",
            ]
        );
        let fine = json!({"auth": {"kind": "UserPasswordAuth", "args": {"users": {"a": "b"}}}});
        assert!(auth_gaps(fine.as_object().unwrap()).is_empty());
    }
}
