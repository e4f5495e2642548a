//! Workers, where they are connected and configured (Buildbot's `db/workers.py`).

use serde_json::Value;
use sqlx::any::AnyRow;

use sqlx::AssertSqlSafe;

use crate::{Db, DbError, get_i64, get_opt_str, get_str, insert_rows};

/// Filters of Buildbot's `getWorkers`; `None` selects everything. With `masterid` or
/// `builderid`, only workers configured there are listed, with only those configurations
/// (and, with `masterid`, only their connection to that master).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerFilter {
    pub masterid: Option<i64>,
    pub builderid: Option<i64>,
    pub paused: Option<bool>,
    pub graceful: Option<bool>,
}

/// A worker, as Buildbot's `WorkerModel`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerModel {
    pub id: i64,
    pub name: String,
    pub workerinfo: Value,
    pub paused: bool,
    pub pause_reason: Option<String>,
    pub graceful: bool,
    /// Masters this worker is connected to.
    pub connected_to: Vec<i64>,
    /// `(builderid, masterid)` pairs this worker is configured for.
    pub configured_on: Vec<(i64, i64)>,
}

impl Db {
    pub async fn find_worker_id(&self, name: &str) -> Result<i64, DbError> {
        let _written = self.writing();
        if let Some(row) = sqlx::query("SELECT id FROM workers WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?
        {
            return get_i64(&row, "id");
        }
        let row = sqlx::query(
            "INSERT INTO workers (name, info, paused, graceful) VALUES ($1, $2, 0, 0) RETURNING id",
        )
        .bind(name)
        .bind("{}")
        .fetch_one(&mut *self.conn().await?)
        .await?;
        get_i64(&row, "id")
    }

    /// Records a connection and the worker's info (Buildbot's `workerConnected`).
    pub async fn worker_connected(
        &self,
        workerid: i64,
        masterid: i64,
        info: &Value,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("DELETE FROM connected_workers WHERE masterid = $1 AND workerid = $2")
            .bind(masterid)
            .bind(workerid)
            .execute(&mut *self.conn().await?)
            .await?;
        sqlx::query("INSERT INTO connected_workers (masterid, workerid) VALUES ($1, $2)")
            .bind(masterid)
            .bind(workerid)
            .execute(&mut *self.conn().await?)
            .await?;
        sqlx::query("UPDATE workers SET info = $1 WHERE id = $2")
            .bind(info.to_string())
            .bind(workerid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn worker_disconnected(&self, workerid: i64, masterid: i64) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("DELETE FROM connected_workers WHERE masterid = $1 AND workerid = $2")
            .bind(masterid)
            .bind(workerid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Buildbot's `workerConfigured`: the worker serves exactly these builders of this master
    /// (configurations for other builders of the master are removed).
    pub async fn worker_configured(
        &self,
        workerid: i64,
        masterid: i64,
        builderids: &[i64],
    ) -> Result<(), DbError> {
        let _written = self.writing();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let mut running = std::collections::HashMap::new();
        for row in sqlx::query("SELECT id, builderid FROM builder_masters WHERE masterid = $1")
            .bind(masterid)
            .fetch_all(&mut *tx)
            .await?
        {
            running.insert(get_i64(&row, "builderid")?, get_i64(&row, "id")?);
        }
        let wanted: Vec<i64> = builderids
            .iter()
            .filter_map(|builderid| running.get(builderid).copied())
            .collect();
        let existing: Vec<i64> = sqlx::query(
            "SELECT cw.buildermasterid AS id FROM configured_workers cw \
             JOIN builder_masters bm ON bm.id = cw.buildermasterid WHERE bm.masterid = $1 AND cw.workerid = $2",
        )
        .bind(masterid)
        .bind(workerid)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| get_i64(row, "id"))
        .collect::<Result<_, _>>()?;
        for stale in existing.iter().filter(|id| !wanted.contains(id)) {
            sqlx::query(
                "DELETE FROM configured_workers WHERE buildermasterid = $1 AND workerid = $2",
            )
            .bind(*stale)
            .bind(workerid)
            .execute(&mut *tx)
            .await?;
        }
        let added: Vec<[i64; 2]> = wanted
            .iter()
            .filter(|id| !existing.contains(id))
            .map(|id| [*id, workerid])
            .collect();
        insert_rows(
            &mut tx,
            "configured_workers (buildermasterid, workerid)",
            &added,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Buildbot's `set_worker_paused`.
    pub async fn set_worker_paused(
        &self,
        workerid: i64,
        paused: bool,
        pause_reason: Option<&str>,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("UPDATE workers SET paused = $1, pause_reason = $2 WHERE id = $3")
            .bind(i64::from(paused))
            .bind(pause_reason)
            .bind(workerid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Buildbot's `set_worker_graceful`.
    pub async fn set_worker_graceful(&self, workerid: i64, graceful: bool) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("UPDATE workers SET graceful = $1 WHERE id = $2")
            .bind(i64::from(graceful))
            .bind(workerid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn deconfigure_all_workers_for_master(&self, masterid: i64) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query(
            "DELETE FROM configured_workers WHERE buildermasterid IN (SELECT id FROM builder_masters WHERE masterid = $1)",
        )
        .bind(masterid)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn worker_model(
        &self,
        row: &AnyRow,
        filter: &WorkerFilter,
    ) -> Result<WorkerModel, DbError> {
        let id = get_i64(row, "id")?;
        let connected_to = sqlx::query(
            "SELECT masterid FROM connected_workers WHERE workerid = $1 AND ($2 IS NULL OR masterid = $2) ORDER BY masterid",
        )
        .bind(id)
        .bind(filter.masterid)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|r| get_i64(r, "masterid"))
        .collect::<Result<_, _>>()?;
        let configured_on = sqlx::query(
            "SELECT bm.builderid AS builderid, bm.masterid AS masterid FROM configured_workers cw \
             JOIN builder_masters bm ON bm.id = cw.buildermasterid WHERE cw.workerid = $1 \
             AND ($2 IS NULL OR bm.masterid = $2) AND ($3 IS NULL OR bm.builderid = $3) ORDER BY bm.builderid, bm.masterid",
        )
        .bind(id)
        .bind(filter.masterid)
        .bind(filter.builderid)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(|r| Ok((get_i64(r, "builderid")?, get_i64(r, "masterid")?)))
        .collect::<Result<_, DbError>>()?;
        Ok(WorkerModel {
            id,
            name: get_str(row, "name")?,
            workerinfo: serde_json::from_str(&get_str(row, "info")?).unwrap_or(Value::Null),
            paused: get_i64(row, "paused")? != 0,
            pause_reason: get_opt_str(row, "pause_reason")?,
            graceful: get_i64(row, "graceful")? != 0,
            connected_to,
            configured_on,
        })
    }

    pub async fn get_worker(&self, workerid: i64) -> Result<WorkerModel, DbError> {
        let row = sqlx::query("SELECT * FROM workers WHERE id = $1")
            .bind(workerid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("worker {workerid}")))?;
        self.worker_model(&row, &WorkerFilter::default()).await
    }

    pub async fn get_worker_by_name(&self, name: &str) -> Result<WorkerModel, DbError> {
        let row = sqlx::query("SELECT * FROM workers WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("worker {name}")))?;
        self.worker_model(&row, &WorkerFilter::default()).await
    }

    /// Every worker, by id.
    pub async fn get_workers(&self) -> Result<Vec<WorkerModel>, DbError> {
        self.get_workers_where(&WorkerFilter::default()).await
    }

    /// Buildbot's `getWorkers(masterid, builderid, paused, graceful)`, by id.
    pub async fn get_workers_where(
        &self,
        filter: &WorkerFilter,
    ) -> Result<Vec<WorkerModel>, DbError> {
        let mut sql = "SELECT * FROM workers WHERE 1 = 1".to_owned();
        let mut values = Vec::new();
        if filter.masterid.is_some() || filter.builderid.is_some() {
            sql.push_str(
                " AND id IN (SELECT cw.workerid FROM configured_workers cw \
                 JOIN builder_masters bm ON bm.id = cw.buildermasterid WHERE 1 = 1",
            );
            for (column, value) in [
                ("bm.masterid", filter.masterid),
                ("bm.builderid", filter.builderid),
            ] {
                if let Some(value) = value {
                    values.push(value);
                    sql.push_str(&format!(" AND {column} = ${}", values.len()));
                }
            }
            sql.push(')');
        }
        for (column, value) in [("paused", filter.paused), ("graceful", filter.graceful)] {
            if let Some(value) = value {
                values.push(i64::from(value));
                sql.push_str(&format!(" AND {column} = ${}", values.len()));
            }
        }
        sql.push_str(" ORDER BY id");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        let mut workers = Vec::with_capacity(rows.len());
        for row in &rows {
            workers.push(self.worker_model(row, filter).await?);
        }
        Ok(workers)
    }
}
