//! `ChangeFilter` (Buildbot's `changes/filter.py`): which changes a scheduler takes. For each
//! attribute (`project`, `repository`, `branch`, `category`, `codebase`) a config may give the
//! value(s) to accept, a regex (`_re`), or values and regexes to refuse (`_not_eq`, `_not_re`).
//! A value of `None` matches changes without that attribute (the default branch).

use oxbot_core::config::Value;
use oxbot_db::ChangeModel;
use regex::Regex;

/// A test on one change attribute.
#[derive(Debug, Clone)]
enum Check {
    Eq(Vec<Option<String>>),
    NotEq(Vec<Option<String>>),
    Re(Vec<Regex>),
    NotRe(Vec<Regex>),
}

/// A compiled change filter.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    checks: Vec<(String, Check)>,
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
    /// Compiles a filter described by the config (`{"$filter": "ChangeFilter", "branch": ...}`).
    pub fn from_config(description: &Value) -> Result<ChangeFilter, FilterError> {
        let mut checks = Vec::new();
        let Some(map) = description.as_object() else {
            return Ok(ChangeFilter::default());
        };
        for (key, value) in map {
            if key == "$filter" {
                continue;
            }
            if key == "filter_fn" || key.ends_with("_fn") {
                return Err(FilterError::Unsupported(format!(
                    "ChangeFilter {key} callables"
                )));
            }
            let (attr, check) = if let Some(attr) = key.strip_suffix("_not_eq") {
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
            checks.push((attr.to_owned(), check));
        }
        Ok(ChangeFilter { checks })
    }

    /// A filter accepting one branch (the scheduler's `branch=` argument).
    pub fn branch(branch: Option<String>) -> ChangeFilter {
        ChangeFilter {
            checks: vec![("branch".to_owned(), Check::Eq(vec![branch]))],
        }
    }

    /// Whether a change passes every check.
    pub fn matches(&self, change: &ChangeModel) -> bool {
        self.checks.iter().all(|(attr, check)| {
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
            }
        })
    }
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
        let f = ChangeFilter::from_config(&json!({"$filter": "ChangeFilter", "branch": "master"}))
            .unwrap();
        assert!(f.matches(&change(Some("master"))) && !f.matches(&change(Some("dev"))));
        let f = ChangeFilter::from_config(&json!({"branch_re": "^(main|release/.*)$"})).unwrap();
        assert!(f.matches(&change(Some("release/1.0"))) && !f.matches(&change(Some("feature"))));
        let f = ChangeFilter::from_config(&json!({"branch": null})).unwrap();
        assert!(f.matches(&change(None)) && !f.matches(&change(Some("x"))));
        let f = ChangeFilter::from_config(&json!({"branch_not_eq": ["a", "b"]})).unwrap();
        assert!(f.matches(&change(Some("c"))) && !f.matches(&change(Some("a"))));
        assert!(ChangeFilter::from_config(&json!({"filter_fn": {"$python": 1}})).is_err());
    }
}
