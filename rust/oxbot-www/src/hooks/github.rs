//! The `github` dialect (Buildbot's `hooks/github.py`): the `X-Hub-Signature` check against
//! the `secret` option (and `strict`), then the event named by `X-GitHub-Event`: `push` (one
//! change per commit, only the head commit of a new branch, tags with category `tag`),
//! `pull_request` (one change on `refs/pull/<n>/<pullrequest_ref>`), `ping` and `workflow_run`
//! (no change).
//!
//! Buildbot 4.3 checks only the SHA-1 `X-Hub-Signature`; oxbot also checks
//! `X-Hub-Signature-256` (`sha256=`) when it is the only signature sent. For pull requests,
//! Buildbot asks the GitHub API for the head commit's message (for `skips`) and the files;
//! oxbot does not call the API, which gives what Buildbot gives when the API does not answer:
//! no skip check and no files.

use hmac::{Hmac, KeyInit, Mac};
use oxbot_core::config::string_list;
use oxbot_master::control::ChangeSpec;
use serde_json::{Map, Value};

use super::{
    HookError, HookRequest, Hooked, commit_files, field, person, py_str, same_secret,
    secret_option, split_ref, str_field, timestamp_field, truthy,
};

/// Buildbot's default `skips`: `[skip ci]` and `[ci skip]` in the head commit's message.
const DEFAULT_SKIPS: &[&str] = &[r"\[ *skip *ci *\]", r"\[ *ci *skip *\]"];

/// The dialect's options (`c['www']['change_hook_dialects']['github']`).
struct Options {
    secret: Option<String>,
    strict: bool,
    codebase: Option<String>,
    whitelist: Vec<String>,
    skips: Vec<String>,
    pullrequest_ref: String,
}

impl Options {
    fn from_config(options: &Value) -> Result<Options, HookError> {
        let get = |key: &str| options.get(key).filter(|v| !v.is_null());
        let secret = secret_option("github", options)?;
        let codebase = match get("codebase") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(HookError::Unsupported(
                    "not supported yet by oxbot: a github change hook codebase that is not a string".to_owned(),
                ));
            }
        };
        if get("class").is_some() {
            return Err(HookError::Unsupported(
                "not supported yet by oxbot: the github change hook's 'class' option".to_owned(),
            ));
        }
        let strings = |key: &str| get(key).map(|v| string_list(Some(v)));
        Ok(Options {
            strict: truthy(get("strict")),
            secret,
            codebase,
            whitelist: strings("github_property_whitelist").unwrap_or_default(),
            skips: strings("skips")
                .unwrap_or_else(|| DEFAULT_SKIPS.iter().map(|s| (*s).to_owned()).collect()),
            pullrequest_ref: get("pullrequest_ref")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("merge")
                .to_owned(),
        })
    }

    fn has_skip(&self, message: &str) -> Result<bool, HookError> {
        for skip in &self.skips {
            let re = regex::Regex::new(skip).map_err(|e| {
                HookError::Unsupported(format!("github change hook skips pattern {skip:?}: {e}"))
            })?;
            if re.is_match(message) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Lower-case hex of the HMAC of `body` with `secret`.
fn hmac_hex<D>(secret: &[u8], body: &[u8]) -> String
where
    Hmac<D>: KeyInit + Mac,
    D: hmac::EagerHash,
{
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body);
    let mut hex = String::new();
    for byte in mac.finalize().into_bytes() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Checks the signature and reads the JSON payload (Buildbot's `_get_payload`).
fn payload(options: &Options, request: &HookRequest) -> Result<Value, HookError> {
    let sha1 = request.header("X-Hub-Signature").filter(|s| !s.is_empty());
    let signature = sha1.or_else(|| {
        request
            .header("X-Hub-Signature-256")
            .filter(|s| !s.is_empty())
    });
    if signature.is_none() && options.strict {
        return Err(HookError::rejected("Request has no required signature"));
    }
    if let (Some(secret), Some(signature)) = (&options.secret, signature) {
        let parts: Vec<&str> = signature.split('=').collect();
        let [hash_type, hexdigest] = parts[..] else {
            return Err(HookError::rejected(format!(
                "Wrong signature format: {signature}"
            )));
        };
        let expected = match (hash_type, sha1.is_some()) {
            ("sha1", _) => hmac_hex::<sha1::Sha1>(secret.as_bytes(), &request.body),
            ("sha256", false) => hmac_hex::<sha2::Sha256>(secret.as_bytes(), &request.body),
            _ => {
                return Err(HookError::rejected(format!(
                    "Unknown hash type: {hash_type}"
                )));
            }
        };
        if !same_secret(&expected, hexdigest) {
            return Err(HookError::rejected("Hash mismatch"));
        }
    }
    let text = String::from_utf8_lossy(&request.body);
    let parsed = match request.header("Content-Type") {
        Some("application/json") => serde_json::from_str(&text),
        Some("application/x-www-form-urlencoded") => {
            let payload = request
                .arg("payload")
                .ok_or_else(|| HookError::rejected("Invalid payload: no 'payload' form field"))?;
            serde_json::from_str(payload)
        }
        Some(other) => {
            return Err(HookError::rejected(format!(
                "Unknown content type: b'{other}'"
            )));
        }
        None => return Err(HookError::rejected("Unknown content type: None")),
    };
    parsed.map_err(|e| HookError::rejected(format!("Invalid JSON payload: {e}")))
}

/// The changes of one GitHub webhook request.
pub fn get_changes(options: &Value, request: &HookRequest) -> Result<Hooked, HookError> {
    let options = Options::from_config(options)?;
    if options.strict && options.secret.is_none() {
        return Err(HookError::rejected(
            "Strict mode is requested while no secret is provided",
        ));
    }
    let payload = payload(&options, request)?;
    let event = request.header("X-GitHub-Event");
    let changes = match event {
        Some("ping" | "workflow_run") => Vec::new(),
        Some("push") => push(&options, &payload)?,
        Some("pull_request") => pull_request(&options, &payload)?,
        Some(other) => return Err(HookError::rejected(format!("Unknown event: {other}"))),
        None => return Err(HookError::rejected("Unknown event: None")),
    };
    Ok(Hooked {
        changes,
        src: Some("git".to_owned()),
    })
}

/// Python's `fnmatch`.
fn fnmatch(name: &str, pattern: &str) -> bool {
    crate::fnmatch::matches(name, pattern)
}

/// The whitelisted payload fields as properties (`github.<path>`), as Buildbot's
/// `extractProperties`.
fn extract_properties(whitelist: &[String], payload: &Value) -> Map<String, Value> {
    fn flatten(whitelist: &[String], out: &mut Map<String, Value>, base: &str, value: &Value) {
        let Some(map) = value.as_object() else {
            return;
        };
        for (key, value) in map {
            let name = format!("{base}.{key}");
            if value.is_object() {
                flatten(whitelist, out, &name, value);
            } else if whitelist.iter().any(|w| fnmatch(&name, w)) {
                out.insert(name, value.clone());
            }
        }
    }
    let mut out = Map::new();
    if !whitelist.is_empty() {
        flatten(whitelist, &mut out, "github", payload);
    }
    out
}

fn push(options: &Options, payload: &Value) -> Result<Vec<ChangeSpec>, HookError> {
    field(payload, "repository.name")?;
    let repo_url = str_field(payload, "repository.html_url")?;
    let project = str_field(payload, "repository.full_name")?;
    let properties = extract_properties(&options.whitelist, payload);
    let refname = str_field(payload, "ref")?;
    let Some((is_tag, branch)) = split_ref(&refname) else {
        tracing::info!("Ignoring refname `{refname}': Not a branch");
        return Ok(Vec::new());
    };
    if truthy(payload.get("deleted")) {
        tracing::info!("Branch `{branch}' deleted, ignoring");
        return Ok(Vec::new());
    }
    let head = field(payload, "head_commit")?;
    if !head.is_object() {
        return Err(HookError::bad_payload("'head_commit' is not an object"));
    }
    let head_message = head.get("message").map(py_str).unwrap_or_default();
    if options.has_skip(&head_message)? {
        return Ok(Vec::new());
    }
    let commits: Vec<Value> = if truthy(payload.get("created")) {
        vec![head.clone()]
    } else {
        field(payload, "commits")?
            .as_array()
            .ok_or_else(|| HookError::bad_payload("'commits' is not a list"))?
            .clone()
    };
    let mut changes = Vec::new();
    for commit in &commits {
        let mut props = Map::new();
        props.insert(
            "github_distinct".to_owned(),
            commit.get("distinct").cloned().unwrap_or(Value::Bool(true)),
        );
        props.insert("event".to_owned(), Value::from("push"));
        props.extend(properties.clone());
        changes.push(ChangeSpec {
            author: Some(person(commit, "author")?),
            committer: Some(person(commit, "committer")?),
            files: commit_files(commit)?,
            comments: Some(py_str(field(commit, "message")?)),
            revision: Some(str_field(commit, "id")?),
            when_timestamp: Some(timestamp_field(commit, "timestamp")?),
            branch: Some(branch.to_owned()),
            category: is_tag.then(|| "tag".to_owned()),
            revlink: Some(py_str(field(commit, "url")?)),
            properties: props,
            repository: repo_url.clone(),
            project: project.clone(),
            codebase: options.codebase.clone(),
        });
    }
    Ok(changes)
}

fn pull_request(options: &Options, payload: &Value) -> Result<Vec<ChangeSpec>, HookError> {
    let number = py_str(field(payload, "number")?);
    let refname = format!("refs/pull/{number}/{}", options.pullrequest_ref);
    let pr = field(payload, "pull_request")?;
    let basename = field(pr, "base.ref")?.clone();
    let commits = field(pr, "commits")?;
    let title = py_str(field(pr, "title")?);
    let body = py_str(field(pr, "body")?);
    field(payload, "repository.full_name")?;
    let head_sha = str_field(pr, "head.sha")?;
    let revlink = str_field(pr, "_links.html.href")?;
    let action = payload.get("action").and_then(Value::as_str);
    if !matches!(action, Some("opened" | "reopened" | "synchronize")) {
        tracing::info!("GitHub PR #{number} {}, ignoring", action.unwrap_or("None"));
        return Ok(Vec::new());
    }
    let mut properties = Map::new();
    properties.insert("pullrequesturl".to_owned(), Value::from(revlink.clone()));
    properties.insert("event".to_owned(), Value::from("pull_request"));
    properties.insert("basename".to_owned(), basename);
    properties.extend(extract_properties(&options.whitelist, pr));
    let plural = if commits.as_i64() == Some(1) { "" } else { "s" };
    Ok(vec![ChangeSpec {
        revision: Some(head_sha),
        when_timestamp: Some(timestamp_field(pr, "created_at")?),
        branch: Some(refname),
        files: Vec::new(),
        revlink: Some(revlink),
        repository: str_field(payload, "repository.html_url")?,
        project: str_field(pr, "base.repo.full_name")?,
        category: Some("pull".to_owned()),
        author: Some(py_str(field(payload, "sender.login")?)),
        comments: Some(format!(
            "GitHub Pull Request #{number} ({} commit{plural})\n{title}\n{body}",
            py_str(commits)
        )),
        properties,
        committer: None,
        codebase: options.codebase.clone(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_is_pythons() {
        assert!(fnmatch("github.head.sha", "github.head.*"));
        assert!(fnmatch("github.ref", "github.re?"));
        assert!(fnmatch("github.ref", "github.[rs]ef"));
        assert!(!fnmatch("github.ref", "github.[!r]ef"));
        assert!(!fnmatch("github.ref.x", "github.ref"));
        assert!(fnmatch("a.b", "a.b"));
        assert!(!fnmatch("axb", "a.b"));
    }

    #[test]
    fn hmac_matches_known_vectors() {
        // RFC 2202 test case 2 and RFC 4231 test case 2.
        assert_eq!(
            hmac_hex::<sha1::Sha1>(b"Jefe", b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hmac_hex::<sha2::Sha256>(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
