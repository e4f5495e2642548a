//! `ChangeFilter` (Buildbot's `changes/filter.py`): which changes a scheduler takes. For each
//! attribute (`project`, `repository`, `branch`, `category`, `codebase`) a config may give the
//! value(s) to accept, a regex (`_re`), or values and regexes to refuse (`_not_eq`, `_not_re`).
//! A value of `None` matches changes without that attribute (the default branch). The user's
//! Python decides too: `filter_fn(change)` and `<attribute>_fn(value)`.

use std::sync::Arc;

use oxbot_core::config::Value;
use oxbot_core::python::{PythonCallbacks, handle_of};
use oxbot_db::ChangeModel;
use regex::Regex;
use serde_json::json;
use tracing::warn;

/// A test on one change attribute.
#[derive(Debug, Clone)]
enum Check {
    Eq(Vec<Option<String>>),
    NotEq(Vec<Option<String>>),
    Re(Vec<Regex>),
    NotRe(Vec<Regex>),
    /// A Python function of the attribute's value.
    Function(u64),
}

/// A compiled change filter.
#[derive(Clone, Default)]
pub struct ChangeFilter {
    checks: Vec<(String, Check)>,
    /// `filter_fn(change)`.
    filter_fn: Option<u64>,
    callbacks: Option<Arc<dyn PythonCallbacks>>,
}

impl std::fmt::Debug for ChangeFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeFilter")
            .field("checks", &self.checks)
            .field("filter_fn", &self.filter_fn)
            .finish_non_exhaustive()
    }
}

/// Why a filter cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("not supported yet by oxbot: {0}")]
    Unsupported(String),
    #[error("invalid regular expression {0}")]
    BadRegex(String),
}

fn values(v: &Value) -> Vec<Option<String>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Value::Null => vec![None],
        other => vec![Some(
            other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned),
        )],
    }
}

fn regexes(v: &Value) -> Result<Vec<Regex>, FilterError> {
    values(v)
        .into_iter()
        .flatten()
        .map(|p| Regex::new(&p).map_err(|e| FilterError::BadRegex(format!("'{p}': {e}"))))
        .collect()
}

impl ChangeFilter {
    /// Compiles a filter described by the config (`{"$filter": "ChangeFilter", "branch": ...}`);
    /// its Python functions are called through `callbacks`.
    pub fn from_config(
        description: &Value,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<ChangeFilter, FilterError> {
        let mut filter = ChangeFilter::default();
        let Some(map) = description.as_object() else {
            return Ok(filter);
        };
        for (key, value) in map {
            if key == "$filter" {
                continue;
            }
            let function = || {
                handle_of(value).ok_or_else(|| {
                    FilterError::Unsupported(format!("ChangeFilter {key} that is not a function"))
                })
            };
            if key == "filter_fn" {
                filter.filter_fn = Some(function()?);
                continue;
            }
            let (attr, check) = if let Some(attr) = key.strip_suffix("_fn") {
                (attr, Check::Function(function()?))
            } else if let Some(attr) = key.strip_suffix("_not_eq") {
                (attr, Check::NotEq(values(value)))
            } else if let Some(attr) = key.strip_suffix("_not_re") {
                (attr, Check::NotRe(regexes(value)?))
            } else if let Some(attr) = key.strip_suffix("_re") {
                (attr, Check::Re(regexes(value)?))
            } else if let Some(attr) = key.strip_suffix("_eq") {
                (attr, Check::Eq(values(value)))
            } else {
                (key.as_str(), Check::Eq(values(value)))
            };
            if attr == "property" {
                return Err(FilterError::Unsupported(
                    "ChangeFilter property criteria".to_owned(),
                ));
            }
            filter.checks.push((attr.to_owned(), check));
        }
        filter.callbacks = callbacks;
        Ok(filter)
    }

    /// A filter accepting one branch (the scheduler's `branch=` argument).
    pub fn branch(branch: Option<String>) -> ChangeFilter {
        ChangeFilter {
            checks: vec![("branch".to_owned(), Check::Eq(vec![branch]))],
            ..ChangeFilter::default()
        }
    }

    /// Whether the filter calls the user's Python (then [`ChangeFilter::matches`] blocks on it).
    pub fn calls_python(&self) -> bool {
        self.filter_fn.is_some()
            || self
                .checks
                .iter()
                .any(|(_, c)| matches!(c, Check::Function(_)))
    }

    /// Whether a change passes every check. A Python function that raises counts as a
    /// refusal (and is logged).
    pub fn matches(&self, change: &ChangeModel) -> bool {
        let python = |result: Result<bool, String>| {
            result.unwrap_or_else(|err| {
                warn!(changeid = change.changeid, cause = %err, "a ChangeFilter function failed");
                false
            })
        };
        let attributes_pass = self.checks.iter().all(|(attr, check)| {
            let value: Option<&str> = match attr.as_str() {
                "branch" => change.branch.as_deref(),
                "project" => Some(change.project.as_str()),
                "repository" => Some(change.repository.as_str()),
                "category" => change.category.as_deref(),
                "codebase" => Some(change.codebase.as_str()),
                _ => None,
            };
            match check {
                Check::Eq(accepted) => accepted.iter().any(|a| a.as_deref() == value),
                Check::NotEq(refused) => !refused.iter().any(|r| r.as_deref() == value),
                Check::Re(res) => value.is_some_and(|v| res.iter().any(|re| re.is_match(v))),
                Check::NotRe(res) => !value.is_some_and(|v| res.iter().any(|re| re.is_match(v))),
                Check::Function(handle) => match &self.callbacks {
                    Some(callbacks) => python(
                        callbacks
                            .call_function(*handle, &[value.map_or(Value::Null, Value::from)])
                            .map(|v| crate::process::properties::is_truthy(&v)),
                    ),
                    None => false,
                },
            }
        });
        attributes_pass
            && match (self.filter_fn, &self.callbacks) {
                (Some(handle), Some(callbacks)) => {
                    python(callbacks.change_predicate(handle, &change_object(change)))
                }
                _ => true,
            }
    }
}

/// A change as user Python sees it (Buildbot's change attributes, REST names).
pub fn change_object(change: &ChangeModel) -> Value {
    json!({
        "changeid": change.changeid,
        "author": change.author,
        "committer": change.committer,
        "files": change.files,
        "comments": change.comments,
        "revision": change.revision,
        "when_timestamp": change.when_timestamp,
        "branch": change.branch,
        "category": change.category,
        "revlink": change.revlink,
        "properties": change.properties.iter()
            .map(|(k, (v, source))| (k.clone(), json!([v, source])))
            .collect::<serde_json::Map<_, _>>(),
        "repository": change.repository,
        "codebase": change.codebase,
        "project": change.project,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(branch: Option<&str>) -> ChangeModel {
        ChangeModel {
            changeid: 1,
            author: String::new(),
            committer: None,
            files: vec![],
            comments: String::new(),
            revision: None,
            when_timestamp: 0,
            branch: branch.map(str::to_owned),
            category: None,
            revlink: None,
            properties: std::collections::BTreeMap::default(),
            repository: "r".into(),
            codebase: String::new(),
            project: String::new(),
            sourcestampid: 1,
            parent_changeids: vec![],
        }
    }

    #[test]
    fn branch_criteria() {
        let f = ChangeFilter::from_config(
            &json!({"$filter": "ChangeFilter", "branch": "master"}),
            None,
        )
        .unwrap();
        assert!(f.matches(&change(Some("master"))) && !f.matches(&change(Some("dev"))));
        let f =
            ChangeFilter::from_config(&json!({"branch_re": "^(main|release/.*)$"}), None).unwrap();
        assert!(f.matches(&change(Some("release/1.0"))) && !f.matches(&change(Some("feature"))));
        let f = ChangeFilter::from_config(&json!({"branch": null}), None).unwrap();
        assert!(f.matches(&change(None)) && !f.matches(&change(Some("x"))));
        let f = ChangeFilter::from_config(&json!({"branch_not_eq": ["a", "b"]}), None).unwrap();
        assert!(f.matches(&change(Some("c"))) && !f.matches(&change(Some("a"))));
        assert!(ChangeFilter::from_config(&json!({"filter_fn": "not a function"}), None).is_err());
    }
}
