//! The `base` dialect: one change from form fields or query arguments (`author` or `who`,
//! `committer`, `comments`, `revision`, `when_timestamp` or `when`, `branch`, `category`,
//! `revlink`, `repository`, `project`, `codebase`, and `files`/`properties` as JSON), as
//! Buildbot's `hooks/base.py` reads them: the first value of each argument wins.

use oxbot_master::control::ChangeSpec;
use serde_json::Value;

use super::{HookError, HookRequest, Hooked};

/// The change a `base` request describes.
pub fn get_changes(request: &HookRequest) -> Result<Hooked, HookError> {
    let arg = |name: &str| request.arg(name).map(str::to_owned);
    let files = match request.arg("files") {
        None => Vec::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(HookError::rejected("files must be a JSON list of strings")),
                })
                .collect::<Result<_, _>>()?,
            Ok(_) => return Err(HookError::rejected("files must be a JSON list of strings")),
            Err(err) => return Err(HookError::rejected(format!("files: {err}"))),
        },
    };
    let properties = match request.arg("properties") {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(HookError::rejected("properties must be a JSON object")),
            Err(err) => return Err(HookError::rejected(format!("properties: {err}"))),
        },
    };
    let when = request
        .arg("when_timestamp")
        .or_else(|| request.arg("when"));
    let when_timestamp = match when {
        None => None,
        Some(text) => Some(
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite())
                .ok_or_else(|| {
                    HookError::rejected(format!("could not convert string to float: '{text}'"))
                })?,
        ),
    };
    let author = arg("author")
        .filter(|a| !a.is_empty())
        .or_else(|| arg("who"));
    let change = ChangeSpec {
        author,
        committer: arg("committer"),
        files,
        comments: arg("comments"),
        revision: arg("revision"),
        when_timestamp,
        branch: arg("branch"),
        category: arg("category"),
        revlink: arg("revlink"),
        properties,
        repository: arg("repository").unwrap_or_default(),
        project: arg("project").unwrap_or_default(),
        codebase: arg("codebase"),
    };
    Ok(Hooked {
        changes: vec![change],
        src: None,
    })
}
