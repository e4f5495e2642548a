//! Collapsing build requests (Buildbot's `BuildRequestCollapser` and
//! `BuildRequest.canBeCollapsed`): an unclaimed request that a newer one for the same builder
//! makes redundant is claimed and completed SKIPPED, so one build serves both. Two requests
//! are compatible when their buildsets have the same codebases with the same repository,
//! branch and project, both or neither come from changes (else the same revision), no patch,
//! and the same scheduler-given properties. A `collapseRequests` callable decides instead
//! when the configuration sets one.

use std::collections::BTreeMap;

use oxbot_core::Results;
use oxbot_db::{BuildRequestModel, Db, DbError};
use serde_json::Value;

use crate::data::updates::Updates;
use crate::process::distributor_hooks::DistributorHooks;
use oxbot_core::python::DistributorHook;

/// Which requests collapse.
pub enum CollapseRule {
    /// Buildbot's `BuildRequest.canBeCollapsed`.
    Default,
    /// The configuration's `collapseRequests(master, builder, new, old)`.
    Hook {
        hooks: DistributorHooks,
        handle: u64,
        /// The builder as the hook sees it.
        builder: Value,
    },
}

/// What of a source stamp decides whether requests collapse.
#[derive(Debug, Clone, PartialEq)]
struct SourceKey {
    repository: String,
    branch: Option<String>,
    project: String,
    /// The revision, unless the source stamp comes from changes.
    revision: Option<String>,
    patch: bool,
}

/// What of a buildset decides whether its requests collapse.
#[derive(Debug, Clone, PartialEq)]
struct CollapseKey {
    /// codebase -> source
    sources: BTreeMap<String, SourceKey>,
    /// Properties from the scheduler, but `scheduler` itself.
    scheduler_properties: BTreeMap<String, Value>,
}

async fn key(db: &Db, bsid: i64) -> Result<CollapseKey, DbError> {
    let mut sources = BTreeMap::new();
    for ss in db.get_sourcestamps_for_buildset(bsid).await? {
        let from_change = db.get_change_from_ssid(ss.ssid).await?.is_some();
        let revision = if from_change {
            None
        } else {
            ss.revision.clone()
        };
        let patch = ss.patch.is_some();
        sources.insert(
            ss.codebase.clone(),
            SourceKey {
                repository: ss.repository,
                branch: ss.branch,
                project: ss.project,
                revision,
                patch,
            },
        );
    }
    let scheduler_properties = db
        .get_buildset_properties(bsid)
        .await?
        .into_iter()
        .filter(|(name, (_, source))| name != "scheduler" && source == "Scheduler")
        .map(|(name, (value, _))| (name, value))
        .collect();
    Ok(CollapseKey {
        sources,
        scheduler_properties,
    })
}

/// Collapses the unclaimed `requests` of one builder into the newest compatible one;
/// returns the ids of the requests it completed.
pub async fn collapse_pending(
    updates: &Updates,
    requests: &[BuildRequestModel],
    rule: &CollapseRule,
) -> Result<Vec<i64>, DbError> {
    let db = updates.db();
    let mut collapsed = Vec::new();
    let mut keys = Vec::with_capacity(requests.len());
    if let CollapseRule::Default = rule {
        for request in requests {
            keys.push(key(db, request.buildsetid).await?);
        }
    }
    for (newest, newer) in requests.iter().enumerate().rev() {
        if collapsed.contains(&newer.buildrequestid) {
            continue;
        }
        for (index, older) in requests[..newest].iter().enumerate() {
            if collapsed.contains(&older.buildrequestid)
                || older.buildrequestid > newer.buildrequestid
            {
                continue;
            }
            let compatible = match rule {
                CollapseRule::Default => {
                    older.buildsetid == newer.buildsetid
                        || (keys[index] == keys[newest]
                            && keys[index].sources.values().all(|s| !s.patch))
                }
                CollapseRule::Hook {
                    hooks,
                    handle,
                    builder,
                } => {
                    let args = serde_json::json!({
                        "builder": builder,
                        "request1": hooks.request_dict(newer.buildrequestid).await?,
                        "request2": hooks.request_dict(older.buildrequestid).await?,
                    });
                    match hooks
                        .call(*handle, DistributorHook::CollapseRequests, args)
                        .await
                    {
                        Ok(answer) => answer.result == Value::Bool(true),
                        Err(err) => {
                            tracing::warn!(cause = %err, "collapseRequests failed; the requests are not collapsed");
                            false
                        }
                    }
                }
            };
            if !compatible {
                continue;
            }
            // Claimed (and announced so) before completed, as Buildbot's collapser does.
            match updates.claim_build_request(older).await {
                Ok(_) => {}
                Err(DbError::Conflict(_)) => continue,
                Err(err) => return Err(err),
            }
            updates
                .complete_build_request(older.buildrequestid, older.buildsetid, Results::Skipped)
                .await?;
            collapsed.push(older.buildrequestid);
        }
    }
    Ok(collapsed)
}
