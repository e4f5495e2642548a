//! Change sources and which master runs each (Buildbot's `db/changesources.py`); like
//! schedulers, a change source runs on at most one master.

use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::schedulers::ClaimFilter;
use crate::{Db, DbError, get_i64, get_opt_i64, get_str};

/// A change source, as Buildbot's `ChangeSourceModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSourceModel {
    pub id: i64,
    pub name: String,
    pub masterid: Option<i64>,
}

fn model(row: &AnyRow) -> Result<ChangeSourceModel, DbError> {
    Ok(ChangeSourceModel {
        id: get_i64(row, "id")?,
        name: get_str(row, "name")?,
        masterid: get_opt_i64(row, "masterid")?,
    })
}

impl Db {
    pub async fn find_change_source_id(&self, name: &str) -> Result<i64, DbError> {
        self.find_named_id("changesources", name, &[]).await
    }

    /// Buildbot's `setChangeSourceMaster`: `Conflict` if another master runs it.
    pub async fn set_change_source_master(
        &self,
        changesourceid: i64,
        masterid: Option<i64>,
    ) -> Result<(), DbError> {
        self.set_service_master(
            "changesource_masters",
            "changesourceid",
            changesourceid,
            masterid,
        )
        .await
    }

    pub async fn get_change_source(
        &self,
        changesourceid: i64,
    ) -> Result<ChangeSourceModel, DbError> {
        let row = sqlx::query(
            "SELECT c.id AS id, c.name AS name, m.masterid AS masterid FROM changesources c \
             LEFT JOIN changesource_masters m ON m.changesourceid = c.id WHERE c.id = $1",
        )
        .bind(changesourceid)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("changesource {changesourceid}")))?;
        model(&row)
    }

    /// Buildbot's `getChangeSources(active, masterid)`, by id.
    pub async fn get_change_sources(
        &self,
        filter: ClaimFilter,
    ) -> Result<Vec<ChangeSourceModel>, DbError> {
        let Some((condition, masterid)) = filter.condition() else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT c.id AS id, c.name AS name, m.masterid AS masterid FROM changesources c \
             LEFT JOIN changesource_masters m ON m.changesourceid = c.id \
             WHERE {condition} ORDER BY c.id"
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
}
