//! The `gitlab` dialect (Buildbot's `hooks/gitlab.py`): `X-Gitlab-Token` must equal the
//! `secret` option; the event is the payload's `object_kind` (else the `X-Gitlab-Event`
//! header): `push`, `tag_push` and `Push Hook` give one change per distinct commit,
//! `merge_request` one change on the target branch (open, reopen, or an update that added
//! commits), `note` on a merge request one change; other events none. The codebase is the
//! `codebase` query argument.

use oxbot_master::control::ChangeSpec;
use serde_json::{Map, Value};

use super::{
    HookError, HookRequest, Hooked, commit_files, field, person, py_str, same_secret,
    secret_option, split_ref, str_field, timestamp_field, truthy,
};

/// The changes of one GitLab webhook request.
pub fn get_changes(options: &Value, request: &HookRequest) -> Result<Hooked, HookError> {
    if let Some(expected) = secret_option("gitlab", options)? {
        let received = request.header("X-Gitlab-Token").unwrap_or("");
        if request.header("X-Gitlab-Token").is_none() || !same_secret(received, &expected) {
            return Err(HookError::rejected("Invalid secret"));
        }
    }
    let payload: Value = serde_json::from_slice(&request.body)
        .map_err(|e| HookError::rejected(format!("Error loading JSON: {e}")))?;
    if !payload.is_object() {
        return Err(HookError::bad_payload("not a JSON object"));
    }
    let event = match payload.get("object_kind") {
        Some(kind) => py_str(kind),
        None => request
            .header("X-Gitlab-Event")
            .unwrap_or("None")
            .to_owned(),
    };
    let codebase = request.arg("codebase").map(str::to_owned);
    let changes = match event.as_str() {
        "push" | "tag_push" | "Push Hook" => push(&payload, &event, codebase.as_ref())?,
        "merge_request" => merge_request(&payload, &event, codebase)?,
        "note" => note(&payload, &event, codebase)?,
        _ => Vec::new(),
    };
    Ok(Hooked {
        changes,
        src: Some("git".to_owned()),
    })
}

fn push(
    payload: &Value,
    event: &str,
    codebase: Option<&String>,
) -> Result<Vec<ChangeSpec>, HookError> {
    field(payload, "user_name")?;
    field(payload, "repository.name")?;
    let repo_url = str_field(payload, "repository.url")?;
    let refname = str_field(payload, "ref")?;
    let project = str_field(payload, "repository.name")?;
    let Some((_, branch)) = split_ref(&refname) else {
        tracing::info!("Ignoring refname `{refname}': Not a branch");
        return Ok(Vec::new());
    };
    if truthy(payload.get("deleted")) {
        tracing::info!("Branch `{branch}' deleted, ignoring");
        return Ok(Vec::new());
    }
    let commits = field(payload, "commits")?
        .as_array()
        .ok_or_else(|| HookError::bad_payload("'commits' is not a list"))?;
    let mut changes = Vec::new();
    for commit in commits {
        if !truthy(Some(commit.get("distinct").unwrap_or(&Value::Bool(true)))) {
            continue;
        }
        let mut properties = Map::new();
        properties.insert("event".to_owned(), Value::from(event));
        changes.push(ChangeSpec {
            author: Some(person(commit, "author")?),
            committer: None,
            files: commit_files(commit)?,
            comments: Some(py_str(field(commit, "message")?)),
            revision: Some(str_field(commit, "id")?),
            when_timestamp: Some(timestamp_field(commit, "timestamp")?),
            branch: Some(branch.to_owned()),
            category: Some(event.to_owned()),
            revlink: Some(py_str(field(commit, "url")?)),
            properties,
            repository: repo_url.clone(),
            project: project.clone(),
            codebase: codebase.cloned(),
        });
    }
    Ok(changes)
}

/// The source and target properties of a merge request.
fn mr_properties(mr: &Value, event: &str) -> Result<Map<String, Value>, HookError> {
    let mut properties = Map::new();
    for (name, path) in [
        ("source_branch", "source_branch"),
        ("source_project_id", "source_project_id"),
        ("source_repository", "source.git_http_url"),
        ("source_git_ssh_url", "source.git_ssh_url"),
        ("target_branch", "target_branch"),
        ("target_project_id", "target_project_id"),
        ("target_repository", "target.git_http_url"),
        ("target_git_ssh_url", "target.git_ssh_url"),
    ] {
        properties.insert(name.to_owned(), field(mr, path)?.clone());
    }
    properties.insert("event".to_owned(), Value::from(event));
    Ok(properties)
}

/// The change of a merge request (`mr`: the `object_attributes` or the note's `merge_request`).
fn mr_change(mr: &Value, event: &str, codebase: Option<String>) -> Result<ChangeSpec, HookError> {
    let commit = field(mr, "last_commit")?;
    Ok(ChangeSpec {
        author: Some(person(commit, "author")?),
        committer: None,
        files: Vec::new(),
        comments: Some(format!(
            "MR#{}: {}\n\n{}",
            py_str(field(mr, "iid")?),
            py_str(field(mr, "title")?),
            py_str(field(mr, "description")?)
        )),
        revision: Some(str_field(commit, "id")?),
        when_timestamp: Some(timestamp_field(commit, "timestamp")?),
        branch: Some(str_field(mr, "target_branch")?),
        category: Some(event.to_owned()),
        revlink: Some(py_str(field(mr, "url")?)),
        properties: mr_properties(mr, event)?,
        repository: str_field(mr, "target.git_http_url")?,
        project: str_field(mr, "target.name")?,
        codebase,
    })
}

fn merge_request(
    payload: &Value,
    event: &str,
    codebase: Option<String>,
) -> Result<Vec<ChangeSpec>, HookError> {
    let attrs = field(payload, "object_attributes")?;
    field(attrs, "last_commit.timestamp")?;
    field(attrs, "target.git_http_url")?;
    let state = py_str(field(attrs, "state")?);
    if matches!(state.as_str(), "closed" | "merged" | "approved") {
        tracing::info!("GitLab MR: ignoring because state is {state}");
        return Ok(Vec::new());
    }
    let action = py_str(field(attrs, "action")?);
    let added_code = action == "update" && attrs.get("oldrev").is_some();
    if !matches!(action.as_str(), "open" | "reopen") && !added_code {
        tracing::info!(
            "GitLab MR: ignoring because action {action} was not open or reopen or an update that added code"
        );
        return Ok(Vec::new());
    }
    Ok(vec![mr_change(attrs, event, codebase)?])
}

fn note(
    payload: &Value,
    event: &str,
    codebase: Option<String>,
) -> Result<Vec<ChangeSpec>, HookError> {
    let attrs = field(payload, "object_attributes")?;
    let Some(mr) = payload.get("merge_request") else {
        tracing::info!("note event without a merge request: ignored");
        return Ok(Vec::new());
    };
    let mut change = mr_change(mr, event, codebase)?;
    change
        .properties
        .insert("comments".to_owned(), field(attrs, "note")?.clone());
    Ok(vec![change])
}
