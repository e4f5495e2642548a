//! Builds and their properties (Buildbot's `db/builds.py`).

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::any::AnyRow;

use sqlx::AssertSqlSafe;

use crate::{Db, DbError, SourceStampModel, get_i64, get_opt_i64, get_str, now};

/// Filters of Buildbot's `getBuilds`; `None` selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildFilter {
    pub builderid: Option<i64>,
    pub buildrequestid: Option<i64>,
    pub workerid: Option<i64>,
    /// Finished (`complete_at` set) or not.
    pub complete: Option<bool>,
    /// The newest first (`ORDER BY id DESC`) instead of the oldest.
    pub newest_first: bool,
    /// At most this many.
    pub limit: Option<i64>,
}

/// A build, as Buildbot's `BuildModel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildModel {
    pub id: i64,
    pub number: i64,
    pub builderid: i64,
    pub buildrequestid: i64,
    pub workerid: Option<i64>,
    pub masterid: i64,
    pub started_at: i64,
    pub complete_at: Option<i64>,
    pub locks_duration_s: i64,
    pub state_string: String,
    pub results: Option<i64>,
}

/// The row an `UPDATE builds ... RETURNING *` gave back, as a build; `NotFound` without one.
fn updated(row: Option<AnyRow>, buildid: i64) -> Result<BuildModel, DbError> {
    model(&row.ok_or_else(|| DbError::NotFound(format!("build {buildid}")))?)
}

fn model(row: &AnyRow) -> Result<BuildModel, DbError> {
    Ok(BuildModel {
        id: get_i64(row, "id")?,
        number: get_i64(row, "number")?,
        builderid: get_i64(row, "builderid")?,
        buildrequestid: get_i64(row, "buildrequestid")?,
        workerid: get_opt_i64(row, "workerid")?,
        masterid: get_i64(row, "masterid")?,
        started_at: get_i64(row, "started_at")?,
        complete_at: get_opt_i64(row, "complete_at")?,
        locks_duration_s: get_i64(row, "locks_duration_s")?,
        state_string: get_str(row, "state_string")?,
        results: get_opt_i64(row, "results")?,
    })
}

impl Db {
    /// Adds a build with the next number of its builder; returns it.
    pub async fn add_build(
        &self,
        builderid: i64,
        buildrequestid: i64,
        workerid: i64,
        masterid: i64,
        state_string: &str,
    ) -> Result<BuildModel, DbError> {
        let _written = self.writing();
        // Two masters may race for a number: the unique index decides, and the loser retries.
        loop {
            let inserted = sqlx::query(
                "INSERT INTO builds (number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, locks_duration_s, state_string, results) \
                 SELECT COALESCE(MAX(number), 0) + 1, $1, $2, $3, $4, $5, NULL, 0, $6, NULL \
                 FROM builds WHERE builderid = $1 RETURNING *",
            )
            .bind(builderid)
            .bind(buildrequestid)
            .bind(workerid)
            .bind(masterid)
            .bind(now())
            .bind(state_string)
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(DbError::from);
            match inserted {
                Ok(row) => return model(&row),
                Err(DbError::Conflict(_)) => {}
                Err(err) => return Err(err),
            }
        }
    }

    pub async fn set_build_state_string(
        &self,
        buildid: i64,
        state_string: &str,
    ) -> Result<BuildModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query("UPDATE builds SET state_string = $1 WHERE id = $2 RETURNING *")
            .bind(state_string)
            .bind(buildid)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        updated(row, buildid)
    }

    /// Finishes a build, with `state_string` its final description when given (Buildbot's
    /// `setBuildStateString` then `finishBuild`, in one statement); returns it as it now is.
    pub async fn finish_build(
        &self,
        buildid: i64,
        results: i64,
        state_string: Option<&str>,
    ) -> Result<BuildModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query(
            "UPDATE builds SET results = $1, complete_at = $2, state_string = COALESCE($3, state_string) WHERE id = $4 RETURNING *",
        )
        .bind(results)
        .bind(now())
        .bind(state_string)
        .bind(buildid)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        updated(row, buildid)
    }

    pub async fn get_build(&self, buildid: i64) -> Result<BuildModel, DbError> {
        let row = sqlx::query("SELECT * FROM builds WHERE id = $1")
            .bind(buildid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("build {buildid}")))?;
        model(&row)
    }

    pub async fn get_build_by_number(
        &self,
        builderid: i64,
        number: i64,
    ) -> Result<BuildModel, DbError> {
        let row = sqlx::query("SELECT * FROM builds WHERE builderid = $1 AND number = $2")
            .bind(builderid)
            .bind(number)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("build {number} of builder {builderid}")))?;
        model(&row)
    }

    /// Every build, oldest first.
    pub async fn get_builds(&self) -> Result<Vec<BuildModel>, DbError> {
        self.get_builds_where(&BuildFilter::default()).await
    }

    /// Buildbot's `getBuilds(builderid, buildrequestid, workerid, complete)`, oldest first
    /// unless `newest_first`.
    pub async fn get_builds_where(&self, filter: &BuildFilter) -> Result<Vec<BuildModel>, DbError> {
        let mut sql = "SELECT * FROM builds WHERE 1 = 1".to_owned();
        let mut values = Vec::new();
        for (column, value) in [
            ("builderid", filter.builderid),
            ("buildrequestid", filter.buildrequestid),
            ("workerid", filter.workerid),
        ] {
            if let Some(value) = value {
                values.push(value);
                sql.push_str(&format!(" AND {column} = ${}", values.len()));
            }
        }
        match filter.complete {
            Some(true) => sql.push_str(" AND complete_at IS NOT NULL"),
            Some(false) => sql.push_str(" AND complete_at IS NULL"),
            None => {}
        }
        sql.push_str(if filter.newest_first {
            " ORDER BY id DESC"
        } else {
            " ORDER BY id"
        });
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {}", limit.max(0)));
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        query
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(model)
            .collect()
    }

    /// Builds made from a change's source stamp (Buildbot's `getBuildsForChange`).
    pub async fn get_builds_for_change(&self, changeid: i64) -> Result<Vec<BuildModel>, DbError> {
        sqlx::query(
            "SELECT b.* FROM changes c JOIN buildset_sourcestamps bss ON bss.sourcestampid = c.sourcestampid \
             JOIN buildrequests br ON br.buildsetid = bss.buildsetid JOIN builds b ON b.buildrequestid = br.id \
             WHERE c.changeid = $1 ORDER BY b.id",
        )
        .bind(changeid)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(model)
        .collect()
    }

    /// Buildbot's `getPrevSuccessfulBuild`: the latest successful build of the builder
    /// before `number` whose sources have the same repositories, branches and codebases.
    pub async fn get_prev_successful_build(
        &self,
        builderid: i64,
        number: i64,
        sources: &[SourceStampModel],
    ) -> Result<Option<BuildModel>, DbError> {
        let key = |ss: &SourceStampModel| {
            (
                ss.repository.clone(),
                ss.branch.clone(),
                ss.codebase.clone(),
            )
        };
        let wanted: std::collections::BTreeSet<_> = sources.iter().map(key).collect();
        let candidates = sqlx::query(
            "SELECT * FROM builds WHERE builderid = $1 AND number < $2 AND results = 0 ORDER BY number DESC",
        )
        .bind(builderid)
        .bind(number)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        for row in &candidates {
            let build = model(row)?;
            let theirs: std::collections::BTreeSet<_> = self
                .get_sourcestamps_for_build(build.id)
                .await?
                .iter()
                .map(key)
                .collect();
            if theirs == wanted {
                return Ok(Some(build));
            }
        }
        Ok(None)
    }

    /// Adds to the time a build waited for its locks (Buildbot's `add_build_locks_duration`).
    pub async fn add_build_locks_duration(
        &self,
        buildid: i64,
        duration_s: i64,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        sqlx::query("UPDATE builds SET locks_duration_s = locks_duration_s + $1 WHERE id = $2")
            .bind(duration_s)
            .bind(buildid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// Sets (or replaces) a build property; `value` is stored as JSON, as Buildbot does.
    pub async fn set_build_property(
        &self,
        buildid: i64,
        name: &str,
        value: &Value,
        source: &str,
    ) -> Result<(), DbError> {
        let _written = self.writing();
        let json = value.to_string();
        let updated = sqlx::query(
            "UPDATE build_properties SET value = $1, source = $2 WHERE buildid = $3 AND name = $4",
        )
        .bind(&json)
        .bind(source)
        .bind(buildid)
        .bind(name)
        .execute(&mut *self.conn().await?)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query("INSERT INTO build_properties (buildid, name, value, source) VALUES ($1, $2, $3, $4)")
                .bind(buildid)
                .bind(name)
                .bind(&json)
                .bind(source)
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(())
    }

    /// Sets several properties of a build in one transaction: `(name, value, source)`.
    pub async fn set_build_properties(
        &self,
        buildid: i64,
        properties: &[(&str, &Value, &str)],
    ) -> Result<(), DbError> {
        let _written = self.writing();
        if properties.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        // A build's first properties (as it starts) are one statement, which adds them only
        // while the build has none.
        if properties.len() <= PROPERTIES_PER_INSERT {
            let sql = format!(
                "INSERT INTO build_properties (buildid, name, value, source) \
                 SELECT column1, column2, column3, column4 FROM (VALUES {}) AS v \
                 WHERE NOT EXISTS (SELECT 1 FROM build_properties WHERE buildid = $1)",
                property_rows(properties.len())
            );
            let added = bind_properties(sqlx::query(AssertSqlSafe(sql)), buildid, properties)
                .execute(&mut *conn)
                .await?;
            if added.rows_affected() > 0 {
                return Ok(());
            }
        }
        let mut tx = self.begin_write(&mut conn).await?;
        let existing: std::collections::HashSet<String> =
            sqlx::query("SELECT name FROM build_properties WHERE buildid = $1")
                .bind(buildid)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| get_str(row, "name"))
                .collect::<Result<_, _>>()?;
        let (updates, inserts): (Vec<_>, Vec<_>) = properties
            .iter()
            .copied()
            .partition(|(name, _, _)| existing.contains(*name));
        for (name, value, source) in updates {
            sqlx::query(
                "UPDATE build_properties SET value = $1, source = $2 WHERE buildid = $3 AND name = $4",
            )
            .bind(value.to_string())
            .bind(source)
            .bind(buildid)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        for chunk in inserts.chunks(PROPERTIES_PER_INSERT) {
            let sql = format!(
                "INSERT INTO build_properties (buildid, name, value, source) VALUES {}",
                property_rows(chunk.len())
            );
            bind_properties(sqlx::query(AssertSqlSafe(sql)), buildid, chunk)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A build's properties: `name -> (value, source)`.
    pub async fn get_build_properties(
        &self,
        buildid: i64,
    ) -> Result<BTreeMap<String, (Value, String)>, DbError> {
        let rows =
            sqlx::query("SELECT name, value, source FROM build_properties WHERE buildid = $1")
                .bind(buildid)
                .fetch_all(&mut *self.conn().await?)
                .await?;
        let mut props = BTreeMap::new();
        for row in &rows {
            let name = get_str(row, "name")?;
            let value = serde_json::from_str(&get_str(row, "value")?)
                .map_err(|e| DbError::Other(format!("build property {name}: {e}")))?;
            props.insert(name, (value, get_str(row, "source")?));
        }
        Ok(props)
    }
}

/// How many properties one `INSERT` writes at most (4 bound parameters each, within SQLite's
/// limit).
const PROPERTIES_PER_INSERT: usize = 200;

/// `($1, $2, $3, $4), ($5, ...)`: the rows of `count` properties.
fn property_rows(count: usize) -> String {
    (0..count)
        .map(|i| {
            let first = 4 * i + 1;
            format!("(${first}, ${}, ${}, ${})", first + 1, first + 2, first + 3)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the parameters of [`property_rows`]: build id, name, value as JSON, source.
fn bind_properties<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    buildid: i64,
    properties: &[(&'q str, &Value, &'q str)],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for (name, value, source) in properties {
        query = query
            .bind(buildid)
            .bind(*name)
            .bind(value.to_string())
            .bind(*source);
    }
    query
}
