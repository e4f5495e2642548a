//! Buildsets, their properties and source stamps (Buildbot's `db/buildsets.py`); adding a
//! buildset adds its build requests too.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::{Db, DbError, get_i64, get_opt_i64, get_opt_str, get_str};

/// A buildset to add.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewBuildset {
    pub sourcestamp_ids: Vec<i64>,
    pub reason: String,
    /// `(name, value, source)`.
    pub properties: Vec<(String, Value, String)>,
    pub builderids: Vec<i64>,
    pub waited_for: bool,
    pub external_idstring: Option<String>,
    pub submitted_at: i64,
    pub parent_buildid: Option<i64>,
    pub parent_relationship: Option<String>,
    pub priority: i64,
    /// The first build of a rebuild chain (Buildbot's `rebuilt_buildid`), `None` otherwise.
    pub rebuilt_buildid: Option<i64>,
}

/// A buildset, as Buildbot's `BuildSetModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSetModel {
    pub bsid: i64,
    pub external_idstring: Option<String>,
    pub reason: Option<String>,
    pub submitted_at: i64,
    pub complete: bool,
    pub complete_at: Option<i64>,
    pub results: Option<i64>,
    pub parent_buildid: Option<i64>,
    pub parent_relationship: Option<String>,
    pub rebuilt_buildid: Option<i64>,
    pub sourcestamps: Vec<i64>,
}

impl Db {
    /// Adds a buildset with one build request per builder; returns the buildset id and
    /// `builderid -> buildrequest id`.
    pub async fn add_buildset(
        &self,
        bs: &NewBuildset,
    ) -> Result<(i64, BTreeMap<i64, i64>), DbError> {
        let _written = self.writing();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let row = sqlx::query(
            "INSERT INTO buildsets (external_idstring, reason, submitted_at, complete, complete_at, results, parent_buildid, parent_relationship, rebuilt_buildid) \
             VALUES ($1, $2, $3, 0, NULL, -1, $4, $5, $6) RETURNING id",
        )
        .bind(bs.external_idstring.as_deref())
        .bind(&bs.reason)
        .bind(bs.submitted_at)
        .bind(bs.parent_buildid)
        .bind(bs.parent_relationship.as_deref())
        .bind(bs.rebuilt_buildid)
        .fetch_one(&mut *tx)
        .await?;
        let bsid = get_i64(&row, "id")?;
        if !bs.properties.is_empty() {
            // One statement for them all.
            let rows = (0..bs.properties.len())
                .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO buildset_properties (buildsetid, property_name, property_value) VALUES {rows}"
            );
            let mut insert = sqlx::query(AssertSqlSafe(sql)).bind(bsid);
            for (name, value, source) in &bs.properties {
                insert = insert
                    .bind(name)
                    .bind(serde_json::json!([value, source]).to_string());
            }
            insert.execute(&mut *tx).await?;
        }
        for ssid in &bs.sourcestamp_ids {
            sqlx::query(
                "INSERT INTO buildset_sourcestamps (buildsetid, sourcestampid) VALUES ($1, $2)",
            )
            .bind(bsid)
            .bind(*ssid)
            .execute(&mut *tx)
            .await?;
        }
        let mut brids = BTreeMap::new();
        for builderid in &bs.builderids {
            let row = sqlx::query(
                "INSERT INTO buildrequests (buildsetid, builderid, priority, complete, results, submitted_at, complete_at, waited_for) \
                 VALUES ($1, $2, $3, 0, -1, $4, NULL, $5) RETURNING id",
            )
            .bind(bsid)
            .bind(*builderid)
            .bind(bs.priority)
            .bind(bs.submitted_at)
            .bind(i64::from(bs.waited_for))
            .fetch_one(&mut *tx)
            .await?;
            brids.insert(*builderid, get_i64(&row, "id")?);
        }
        tx.commit().await?;
        Ok((bsid, brids))
    }

    /// Marks a buildset complete with its results; returns it as it now is.
    pub async fn complete_buildset(
        &self,
        bsid: i64,
        results: i64,
        complete_at: i64,
    ) -> Result<BuildSetModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query("UPDATE buildsets SET complete = 1, complete_at = $1, results = $2 WHERE id = $3 AND complete = 0 RETURNING *")
            .bind(complete_at)
            .bind(results)
            .bind(bsid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("incomplete buildset {bsid}")))?;
        self.buildset_model(&row).await
    }

    async fn buildset_model(&self, row: &AnyRow) -> Result<BuildSetModel, DbError> {
        let bsid = get_i64(row, "id")?;
        let sourcestamps = self
            .get_sourcestamps_for_buildset(bsid)
            .await?
            .iter()
            .map(|ss| ss.ssid)
            .collect();
        Ok(BuildSetModel {
            bsid,
            external_idstring: get_opt_str(row, "external_idstring")?,
            reason: get_opt_str(row, "reason")?,
            submitted_at: get_i64(row, "submitted_at")?,
            complete: get_i64(row, "complete")? != 0,
            complete_at: get_opt_i64(row, "complete_at")?,
            results: get_opt_i64(row, "results")?,
            parent_buildid: get_opt_i64(row, "parent_buildid")?,
            parent_relationship: get_opt_str(row, "parent_relationship")?,
            rebuilt_buildid: get_opt_i64(row, "rebuilt_buildid")?,
            sourcestamps,
        })
    }

    pub async fn get_buildset(&self, bsid: i64) -> Result<BuildSetModel, DbError> {
        let row = sqlx::query("SELECT * FROM buildsets WHERE id = $1")
            .bind(bsid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("buildset {bsid}")))?;
        self.buildset_model(&row).await
    }

    /// Every buildset, oldest first.
    pub async fn get_buildsets(&self) -> Result<Vec<BuildSetModel>, DbError> {
        self.get_buildsets_where(None).await
    }

    /// Buildbot's `getBuildsets(complete)`, oldest first.
    pub async fn get_buildsets_where(
        &self,
        complete: Option<bool>,
    ) -> Result<Vec<BuildSetModel>, DbError> {
        let sql = match complete {
            None => "SELECT * FROM buildsets ORDER BY id",
            Some(true) => "SELECT * FROM buildsets WHERE complete <> 0 ORDER BY id",
            Some(false) => "SELECT * FROM buildsets WHERE complete = 0 ORDER BY id",
        };
        let rows = sqlx::query(sql).fetch_all(&mut *self.conn().await?).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.buildset_model(row).await?);
        }
        Ok(out)
    }

    /// A buildset's properties: `name -> (value, source)`.
    pub async fn get_buildset_properties(
        &self,
        bsid: i64,
    ) -> Result<BTreeMap<String, (Value, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT property_name, property_value FROM buildset_properties WHERE buildsetid = $1",
        )
        .bind(bsid)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut props = BTreeMap::new();
        for row in &rows {
            let name = get_str(row, "property_name")?;
            let pair: Value = serde_json::from_str(&get_str(row, "property_value")?)
                .map_err(|e| DbError::Other(format!("buildset property {name}: {e}")))?;
            let value = pair.get(0).cloned().unwrap_or(Value::Null);
            let source = pair.get(1).and_then(Value::as_str).unwrap_or("").to_owned();
            props.insert(name, (value, source));
        }
        Ok(props)
    }
}
