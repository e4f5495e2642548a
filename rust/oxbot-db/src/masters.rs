//! The `masters` table (Buildbot's `db/masters.py`): one row per master process ever seen.

use sqlx::any::AnyRow;

use sqlx::AssertSqlSafe;

use crate::{Db, DbError, get_i64, get_str, hash_columns, now};

/// A master, as Buildbot's `MasterModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterModel {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub last_active: i64,
}

fn model(row: &AnyRow) -> Result<MasterModel, DbError> {
    Ok(MasterModel {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        active: get_i64(row, "active")? != 0,
        last_active: get_i64(row, "last_active")?,
    })
}

/// Buildbot's `RETRY` result, given to what a vanished master left running.
const RETRY: i64 = 4;

/// Buildbot's `EXPIRE_MINUTES`: a master silent for longer is taken for dead.
pub const EXPIRE_SECONDS: i64 = 10 * 60;

/// What the housekeeping for a master that stopped (or vanished) released and finished, so
/// the caller can announce each change (Buildbot's `_masterDeactivatedHousekeeping`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterHousekeeping {
    pub masterid: i64,
    /// Whether the master was marked active before (Buildbot then sends `stopped`).
    pub deactivated: bool,
    /// Workers that were connected to it, now disconnected.
    pub disconnected_workerids: Vec<i64>,
    /// Logs of its unfinished steps, now complete.
    pub finished_logids: Vec<i64>,
    /// Its unfinished steps, now finished with `RETRY`.
    pub finished_stepids: Vec<i64>,
    /// Its unfinished builds, now finished with `RETRY`.
    pub finished_buildids: Vec<i64>,
    /// Incomplete build requests it had claimed, now unclaimed.
    pub unclaimed_brids: Vec<i64>,
}

impl Db {
    /// The id of the master with this name, inserted (inactive) if new.
    pub async fn find_master_id(&self, name: &str) -> Result<i64, DbError> {
        let _written = self.writing();
        let hash = hash_columns(&[Some(name)]);
        if let Some(row) = sqlx::query("SELECT id FROM masters WHERE name_hash = $1")
            .bind(&hash)
            .fetch_optional(&mut *self.conn().await?)
            .await?
        {
            return get_i64(&row, "id");
        }
        let row = sqlx::query(
            "INSERT INTO masters (name, name_hash, active, last_active) VALUES ($1, $2, 0, $3) RETURNING id",
        )
        .bind(name)
        .bind(&hash)
        .bind(now())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        get_i64(&row, "id")
    }

    /// Buildbot's `setMasterState`: marks a master active (refreshing `last_active`, the
    /// heartbeat) or inactive, and returns whether the state changed. Marking a master
    /// inactive is [`Db::master_stopped`], so nothing stays claimed by or connected to it.
    pub async fn set_master_state(&self, masterid: i64, active: bool) -> Result<bool, DbError> {
        let _written = self.writing();
        if !active {
            return Ok(self.master_stopped(masterid).await?.deactivated);
        }
        let Some(row) = sqlx::query("SELECT active FROM masters WHERE id = $1")
            .bind(masterid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
        else {
            return Ok(false);
        };
        sqlx::query("UPDATE masters SET active = 1, last_active = $1 WHERE id = $2")
            .bind(now())
            .bind(masterid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(get_i64(&row, "active")? == 0)
    }

    /// Buildbot's `masterStopped`: marks the master inactive and does the housekeeping.
    #[tracing::instrument(skip(self))]
    pub async fn master_stopped(&self, masterid: i64) -> Result<MasterHousekeeping, DbError> {
        let _written = self.writing();
        let was_active = match sqlx::query("SELECT active FROM masters WHERE id = $1")
            .bind(masterid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
        {
            Some(row) => get_i64(&row, "active")? != 0,
            None => return Err(DbError::NotFound(format!("master {masterid}"))),
        };
        sqlx::query("UPDATE masters SET active = 0 WHERE id = $1")
            .bind(masterid)
            .execute(&mut *self.conn().await?)
            .await?;
        let mut done = self.master_housekeeping(masterid).await?;
        done.deactivated = was_active;
        Ok(done)
    }

    /// Buildbot's `expireMasters`: every master whose heartbeat is older than
    /// [`EXPIRE_SECONDS`] at `now` is stopped; with `force_housekeeping` (at startup) the
    /// housekeeping is done for already inactive ones too.
    pub async fn expire_masters(
        &self,
        now: i64,
        force_housekeeping: bool,
    ) -> Result<Vec<MasterHousekeeping>, DbError> {
        let mut done = Vec::new();
        for master in self.get_masters().await? {
            if master.last_active >= now - EXPIRE_SECONDS {
                continue;
            }
            if master.active {
                done.push(self.master_stopped(master.id).await?);
            } else if force_housekeeping {
                done.push(self.master_housekeeping(master.id).await?);
            }
        }
        Ok(done)
    }

    /// Buildbot's `_masterDeactivatedHousekeeping`: the master's workers are deconfigured and
    /// disconnected, its builders, schedulers and change sources released, its unfinished
    /// logs, steps and builds finished (`RETRY`), and its claimed incomplete requests
    /// unclaimed.
    pub async fn master_housekeeping(&self, masterid: i64) -> Result<MasterHousekeeping, DbError> {
        let _written = self.writing();
        let ids = |sql: &'static str, column: &'static str| async move {
            sqlx::query(sql)
                .bind(masterid)
                .fetch_all(&mut *self.conn().await?)
                .await?
                .iter()
                .map(|row| get_i64(row, column))
                .collect::<Result<Vec<i64>, DbError>>()
        };
        let mut done = MasterHousekeeping {
            masterid,
            ..MasterHousekeeping::default()
        };
        self.deconfigure_all_workers_for_master(masterid).await?;
        done.disconnected_workerids = ids(
            "SELECT workerid FROM connected_workers WHERE masterid = $1 ORDER BY workerid",
            "workerid",
        )
        .await?;
        for table in [
            "connected_workers",
            "builder_masters",
            "scheduler_masters",
            "changesource_masters",
        ] {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE masterid = $1"
            )))
            .bind(masterid)
            .execute(&mut *self.conn().await?)
            .await?;
        }
        let unfinished_steps = "SELECT s.id AS id FROM steps s JOIN builds b ON b.id = s.buildid \
             WHERE b.masterid = $1 AND b.complete_at IS NULL AND s.results IS NULL ORDER BY s.id";
        done.finished_logids = ids(
            "SELECT l.id AS id FROM logs l JOIN steps s ON s.id = l.stepid JOIN builds b ON b.id = s.buildid \
             WHERE b.masterid = $1 AND b.complete_at IS NULL AND s.results IS NULL AND l.complete = 0 ORDER BY l.id",
            "id",
        )
        .await?;
        done.finished_stepids = ids(unfinished_steps, "id").await?;
        done.finished_buildids = ids(
            "SELECT id FROM builds WHERE masterid = $1 AND complete_at IS NULL ORDER BY id",
            "id",
        )
        .await?;
        for logid in &done.finished_logids {
            self.finish_log(*logid).await?;
        }
        for stepid in &done.finished_stepids {
            self.finish_step(*stepid, RETRY, false, None).await?;
        }
        for buildid in &done.finished_buildids {
            self.finish_build(*buildid, RETRY, None).await?;
        }
        done.unclaimed_brids = ids(
            "SELECT c.brid AS brid FROM buildrequest_claims c JOIN buildrequests br ON br.id = c.brid \
             WHERE c.masterid = $1 AND br.complete = 0 ORDER BY c.brid",
            "brid",
        )
        .await?;
        self.unclaim_build_requests_for_master(&done.unclaimed_brids, masterid)
            .await?;
        Ok(done)
    }

    pub async fn get_master(&self, masterid: i64) -> Result<MasterModel, DbError> {
        let row = sqlx::query("SELECT * FROM masters WHERE id = $1")
            .bind(masterid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("master {masterid}")))?;
        model(&row)
    }

    pub async fn get_masters(&self) -> Result<Vec<MasterModel>, DbError> {
        sqlx::query("SELECT * FROM masters ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(model)
            .collect()
    }
}
