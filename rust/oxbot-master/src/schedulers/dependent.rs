//! `Dependent` (Buildbot's `schedulers/dependent.py`): when a buildset of its upstream scheduler
//! completes with SUCCESS or WARNINGS, it adds a buildset for the same source stamps (reason
//! `downstream`). The upstream buildsets it waits for are kept in the scheduler's state
//! (`upstream_bsids`), so a restart in between loses none.

use std::collections::BTreeMap;

use oxbot_core::Results;
use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_db::{Db, DbError, NewBuildset};
use tracing::{info, warn};

use crate::data::updates::Updates;
use crate::mq::Mq;

/// A `Dependent` scheduler.
#[derive(Debug, Clone)]
pub struct Dependent {
    name: String,
    upstream: String,
    builderids: Vec<i64>,
    properties: Vec<(String, Value, String)>,
}

impl Dependent {
    pub fn from_config(
        config: &SchedulerConfig,
        builderids: &BTreeMap<String, i64>,
    ) -> Result<Dependent, String> {
        let upstream = config
            .args
            .get("upstream")
            .and_then(Value::as_str)
            .ok_or("upstream must be another Scheduler instance")?;
        Ok(Dependent {
            name: config.name.clone(),
            upstream: upstream.to_owned(),
            builderids: config
                .builder_names
                .iter()
                .filter_map(|n| builderids.get(n).copied())
                .collect(),
            properties: super::buildset_properties(config),
        })
    }

    /// Runs until `shutdown` resolves.
    pub async fn run(
        self,
        mq: Mq,
        updates: Updates,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let db = updates.db().clone();
        let objectid = match db.get_object_id(&self.name, "Dependent").await {
            Ok(id) => id,
            Err(err) => {
                return warn!(scheduler = %self.name, cause = %err, "cannot read scheduler state");
            }
        };
        let mut new = mq.subscribe(vec![
            Some("buildsets".to_owned()),
            None,
            Some("new".to_owned()),
        ]);
        let mut complete = mq.subscribe(vec![
            Some("buildsets".to_owned()),
            None,
            Some("complete".to_owned()),
        ]);
        // Upstream buildsets that completed while this master was down.
        self.check_completed(&db, &updates, objectid).await;
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                Some(event) = new.next() => {
                    let Some(bsid) = event.body.get("bsid").and_then(Value::as_i64) else { continue };
                    if let Err(err) = self.watch_if_upstream(&db, objectid, bsid).await {
                        warn!(scheduler = %self.name, cause = %err, "cannot record an upstream buildset");
                    }
                }
                Some(_) = complete.next() => self.check_completed(&db, &updates, objectid).await,
            }
        }
    }

    async fn upstream_bsids(&self, db: &Db, objectid: i64) -> Result<Vec<i64>, DbError> {
        Ok(db
            .get_state(objectid, "upstream_bsids")
            .await?
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_i64)
            .collect())
    }

    async fn set_upstream_bsids(
        &self,
        db: &Db,
        objectid: i64,
        bsids: &[i64],
    ) -> Result<(), DbError> {
        db.set_state(objectid, "upstream_bsids", &Value::from(bsids.to_vec()))
            .await
    }

    /// Remembers a new buildset when the upstream scheduler made it.
    async fn watch_if_upstream(&self, db: &Db, objectid: i64, bsid: i64) -> Result<(), DbError> {
        let props = db.get_buildset_properties(bsid).await?;
        let from_upstream = props
            .get("scheduler")
            .is_some_and(|(name, _)| name.as_str() == Some(self.upstream.as_str()));
        if !from_upstream {
            return Ok(());
        }
        let mut bsids = self.upstream_bsids(db, objectid).await?;
        if !bsids.contains(&bsid) {
            bsids.push(bsid);
            self.set_upstream_bsids(db, objectid, &bsids).await?;
        }
        Ok(())
    }

    /// Adds a downstream buildset for each completed, successful upstream buildset and stops
    /// waiting for every completed one.
    async fn check_completed(&self, db: &Db, updates: &Updates, objectid: i64) {
        let result = async {
            let bsids = self.upstream_bsids(db, objectid).await?;
            let mut waiting = Vec::new();
            for bsid in bsids {
                let Ok(buildset) = db.get_buildset(bsid).await else {
                    continue;
                };
                if !buildset.complete {
                    waiting.push(bsid);
                    continue;
                }
                let ok = buildset
                    .results
                    .is_some_and(|r| r == Results::Success.code() || r == Results::Warnings.code());
                if ok && !super::is_enabled(db, &self.name).await {
                    info!(scheduler = %self.name, upstream = bsid, "disabled: no downstream buildset");
                } else if ok {
                    let (new_bsid, _) = updates
                        .add_buildset(NewBuildset {
                            sourcestamp_ids: buildset.sourcestamps.clone(),
                            reason: "downstream".to_owned(),
                            properties: self.properties.clone(),
                            builderids: self.builderids.clone(),
                            ..NewBuildset::default()
                        })
                        .await?;
                    info!(scheduler = %self.name, upstream = bsid, bsid = new_bsid, "buildset added");
                }
            }
            self.set_upstream_bsids(db, objectid, &waiting).await
        }
        .await;
        if let Err(err) = result {
            warn!(scheduler = %self.name, cause = %err, "cannot follow the upstream buildsets");
        }
    }
}
