//! Schedulers, which master runs each, and the changes each has classified (Buildbot's
//! `db/schedulers.py`). A scheduler runs on at most one master: the unique index of
//! `scheduler_masters` decides, and a second master gets `Conflict`.

use std::collections::BTreeMap;

use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::{Db, DbError, get_i64, get_opt_i64, get_str};

/// A scheduler, as Buildbot's `SchedulerModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerModel {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub masterid: Option<i64>,
}

/// Which of a named service's claims `get_schedulers_where` and
/// `get_change_sources_where` select: Buildbot's `active` and `masterid` arguments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimFilter {
    /// Claimed by some master (`true`) or by none (`false`).
    pub active: Option<bool>,
    pub masterid: Option<i64>,
}

impl ClaimFilter {
    /// The `WHERE` condition on the masters table aliased `m`, or `None` when nothing can match.
    pub(crate) fn condition(self) -> Option<(String, Option<i64>)> {
        match (self.masterid, self.active) {
            (Some(_), Some(false)) => None,
            (Some(masterid), _) => Some(("m.masterid = $1".to_owned(), Some(masterid))),
            (None, Some(true)) => Some(("m.masterid IS NOT NULL".to_owned(), None)),
            (None, Some(false)) => Some(("m.masterid IS NULL".to_owned(), None)),
            (None, None) => Some(("1 = 1".to_owned(), None)),
        }
    }
}

fn model(row: &AnyRow) -> Result<SchedulerModel, DbError> {
    Ok(SchedulerModel {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        enabled: get_opt_i64(row, "enabled")?.unwrap_or(1) != 0,
        masterid: get_opt_i64(row, "masterid")?,
    })
}

impl Db {
    pub async fn find_scheduler_id(&self, name: &str) -> Result<i64, DbError> {
        self.find_named_id("schedulers", name, &[]).await
    }

    /// Claims a named service (scheduler or change source) for a master in its `*_masters`
    /// table, or releases it with `None`. Claiming one another master holds is a `Conflict`
    /// naming that master; claiming it again for the same master is a no-op.
    pub(crate) async fn set_service_master(
        &self,
        table: &str,
        column: &str,
        id: i64,
        masterid: Option<i64>,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        let Some(masterid) = masterid else {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE {column} = $1"
            )))
            .bind(id)
            .execute(&mut *self.conn().await?)
            .await?;
            return Ok(());
        };
        let inserted = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} ({column}, masterid) VALUES ($1, $2)"
        )))
        .bind(id)
        .bind(masterid)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(DbError::from);
        match inserted {
            Ok(_) => Ok(()),
            Err(DbError::Conflict(_)) => {
                let row = sqlx::query(AssertSqlSafe(format!(
                    "SELECT t.masterid AS masterid, m.name AS name FROM {table} t \
                     JOIN masters m ON m.id = t.masterid WHERE t.{column} = $1"
                )))
                .bind(id)
                .fetch_one(&mut *self.conn().await?)
                .await?;
                if get_i64(&row, "masterid")? == masterid {
                    Ok(())
                } else {
                    Err(DbError::Conflict(format!(
                        "already claimed by {}",
                        get_str(&row, "name")?
                    )))
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Buildbot's `setSchedulerMaster`: `Conflict` ("already claimed by NAME") if another
    /// master runs it.
    pub async fn set_scheduler_master(
        &self,
        schedulerid: i64,
        masterid: Option<i64>,
    ) -> Result<(), DbError> {
        self.set_service_master("scheduler_masters", "schedulerid", schedulerid, masterid)
            .await
    }

    /// Buildbot's `enable`: turns a scheduler on or off.
    pub async fn enable_scheduler(&self, schedulerid: i64, enabled: bool) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("UPDATE schedulers SET enabled = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(schedulerid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn get_scheduler(&self, schedulerid: i64) -> Result<SchedulerModel, DbError> {
        let row = sqlx::query(
            "SELECT s.id AS id, s.name AS name, s.enabled AS enabled, m.masterid AS masterid \
             FROM schedulers s LEFT JOIN scheduler_masters m ON m.schedulerid = s.id WHERE s.id = $1",
        )
        .bind(schedulerid)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("scheduler {schedulerid}")))?;
        model(&row)
    }

    /// Every scheduler, by id.
    pub async fn get_schedulers(&self) -> Result<Vec<SchedulerModel>, DbError> {
        self.get_schedulers_where(ClaimFilter::default()).await
    }

    /// Buildbot's `getSchedulers(active, masterid)`, by id.
    pub async fn get_schedulers_where(
        &self,
        filter: ClaimFilter,
    ) -> Result<Vec<SchedulerModel>, DbError> {
        let Some((condition, masterid)) = filter.condition() else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT s.id AS id, s.name AS name, s.enabled AS enabled, m.masterid AS masterid \
             FROM schedulers s LEFT JOIN scheduler_masters m ON m.schedulerid = s.id \
             WHERE {condition} ORDER BY s.id"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(masterid) = masterid {
            query = query.bind(masterid);
        }
        query
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(model)
            .collect()
    }

    /// Buildbot's `classifyChanges`: records for each change whether it is important to the
    /// scheduler (kept until flushed, so a tree-stable timer survives a restart).
    pub async fn classify_changes(
        &self,
        schedulerid: i64,
        classifications: &BTreeMap<i64, bool>,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        for (changeid, important) in classifications {
            let updated = sqlx::query(
                "UPDATE scheduler_changes SET important = $1 WHERE schedulerid = $2 AND changeid = $3",
            )
            .bind(i64::from(*important))
            .bind(schedulerid)
            .bind(*changeid)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                sqlx::query(
                    "INSERT INTO scheduler_changes (schedulerid, changeid, important) VALUES ($1, $2, $3)",
                )
                .bind(schedulerid)
                .bind(*changeid)
                .bind(i64::from(*important))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Buildbot's `flushChangeClassifications`: forgets the classified changes, or only those
    /// with an id below `less_than`.
    pub async fn flush_change_classifications(
        &self,
        schedulerid: i64,
        less_than: Option<i64>,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query(
            "DELETE FROM scheduler_changes WHERE schedulerid = $1 AND ($2 IS NULL OR changeid < $2)",
        )
        .bind(schedulerid)
        .bind(less_than)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    /// Buildbot's `getChangeClassifications`: `changeid -> important` for the scheduler.
    pub async fn get_change_classifications(
        &self,
        schedulerid: i64,
    ) -> Result<BTreeMap<i64, bool>, DbError> {
        sqlx::query("SELECT changeid, important FROM scheduler_changes WHERE schedulerid = $1")
            .bind(schedulerid)
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    get_i64(row, "changeid")?,
                    get_opt_i64(row, "important")?.unwrap_or(0) != 0,
                ))
            })
            .collect()
    }
}
