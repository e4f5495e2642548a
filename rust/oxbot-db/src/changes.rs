//! Changes, their files and properties (Buildbot's `db/changes.py`), and object state
//! (`db/state.py`) that pollers and schedulers keep across restarts.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::any::AnyRow;

use crate::{Db, DbError, NewSourceStamp, get_i64, get_opt_i64, get_opt_str, get_str};

/// A change to add.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewChange {
    pub author: String,
    pub committer: Option<String>,
    pub files: Vec<String>,
    pub comments: String,
    pub revision: Option<String>,
    pub when_timestamp: i64,
    pub branch: Option<String>,
    pub category: Option<String>,
    pub revlink: Option<String>,
    /// `name -> value` (the source is always `Change`).
    pub properties: BTreeMap<String, Value>,
    pub repository: String,
    pub codebase: String,
    pub project: String,
}

/// A change, as Buildbot's `ChangeModel`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeModel {
    pub changeid: i64,
    pub author: String,
    pub committer: Option<String>,
    pub files: Vec<String>,
    pub comments: String,
    pub revision: Option<String>,
    pub when_timestamp: i64,
    pub branch: Option<String>,
    pub category: Option<String>,
    pub revlink: Option<String>,
    pub properties: BTreeMap<String, (Value, String)>,
    pub repository: String,
    pub codebase: String,
    pub project: String,
    pub sourcestampid: i64,
    pub parent_changeids: Vec<i64>,
}

impl Db {
    /// Adds a change with its source stamp, files and properties; its parent is the latest
    /// change on the same branch, repository, project and codebase.
    pub async fn add_change(&self, change: &NewChange) -> Result<i64, DbError> {
        let _written = self.writing();
        let ssid = self
            .find_sourcestamp_id(&NewSourceStamp {
                branch: change.branch.clone(),
                revision: change.revision.clone(),
                repository: change.repository.clone(),
                project: change.project.clone(),
                codebase: change.codebase.clone(),
                patch: None,
            })
            .await?;
        let parent = sqlx::query(
            "SELECT changeid FROM changes WHERE branch IS NOT DISTINCT FROM $1 AND repository = $2 AND project = $3 AND codebase = $4 \
             ORDER BY changeid DESC LIMIT 1",
        )
        .bind(change.branch.as_deref())
        .bind(&change.repository)
        .bind(&change.project)
        .bind(&change.codebase)
        .fetch_optional(&mut *self.conn().await?)
        .await?
        .map(|row| get_i64(&row, "changeid"))
        .transpose()?;
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let row = sqlx::query(
            "INSERT INTO changes (author, committer, comments, branch, revision, revlink, when_timestamp, category, repository, codebase, project, sourcestampid, parent_changeids) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING changeid",
        )
        .bind(&change.author)
        .bind(change.committer.as_deref())
        .bind(&change.comments)
        .bind(change.branch.as_deref())
        .bind(change.revision.as_deref())
        .bind(change.revlink.as_deref())
        .bind(change.when_timestamp)
        .bind(change.category.as_deref())
        .bind(&change.repository)
        .bind(&change.codebase)
        .bind(&change.project)
        .bind(ssid)
        .bind(parent)
        .fetch_one(&mut *tx)
        .await?;
        let changeid = get_i64(&row, "changeid")?;
        for file in &change.files {
            sqlx::query("INSERT INTO change_files (changeid, filename) VALUES ($1, $2)")
                .bind(changeid)
                .bind(file)
                .execute(&mut *tx)
                .await?;
        }
        for (name, value) in &change.properties {
            sqlx::query("INSERT INTO change_properties (changeid, property_name, property_value) VALUES ($1, $2, $3)")
                .bind(changeid)
                .bind(name)
                .bind(serde_json::json!([value, "Change"]).to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(changeid)
    }

    async fn change_model(&self, row: &AnyRow) -> Result<ChangeModel, DbError> {
        let changeid = get_i64(row, "changeid")?;
        let files = sqlx::query("SELECT filename FROM change_files WHERE changeid = $1")
            .bind(changeid)
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(|r| get_str(r, "filename"))
            .collect::<Result<_, _>>()?;
        let mut properties = BTreeMap::new();
        for r in sqlx::query(
            "SELECT property_name, property_value FROM change_properties WHERE changeid = $1",
        )
        .bind(changeid)
        .fetch_all(&mut *self.conn().await?)
        .await?
        {
            let pair: Value =
                serde_json::from_str(&get_str(&r, "property_value")?).unwrap_or(Value::Null);
            let source = pair
                .get(1)
                .and_then(Value::as_str)
                .unwrap_or("Change")
                .to_owned();
            properties.insert(
                get_str(&r, "property_name")?,
                (pair.get(0).cloned().unwrap_or(Value::Null), source),
            );
        }
        Ok(ChangeModel {
            changeid,
            author: get_str(row, "author")?,
            committer: get_opt_str(row, "committer")?,
            files,
            comments: get_str(row, "comments")?,
            revision: get_opt_str(row, "revision")?,
            when_timestamp: get_i64(row, "when_timestamp")?,
            branch: get_opt_str(row, "branch")?,
            category: get_opt_str(row, "category")?,
            revlink: get_opt_str(row, "revlink")?,
            properties,
            repository: get_str(row, "repository")?,
            codebase: get_str(row, "codebase")?,
            project: get_str(row, "project")?,
            sourcestampid: get_i64(row, "sourcestampid")?,
            parent_changeids: get_opt_i64(row, "parent_changeids")?.into_iter().collect(),
        })
    }

    pub async fn get_change(&self, changeid: i64) -> Result<ChangeModel, DbError> {
        let row = sqlx::query("SELECT * FROM changes WHERE changeid = $1")
            .bind(changeid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("change {changeid}")))?;
        self.change_model(&row).await
    }

    /// Every change, oldest first.
    pub async fn get_changes(&self) -> Result<Vec<ChangeModel>, DbError> {
        let rows = sqlx::query("SELECT * FROM changes ORDER BY changeid")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.change_model(row).await?);
        }
        Ok(out)
    }

    /// The latest change with this source stamp (Buildbot's `getChangeFromSSid`).
    pub async fn get_change_from_ssid(&self, ssid: i64) -> Result<Option<ChangeModel>, DbError> {
        let row = sqlx::query(
            "SELECT * FROM changes WHERE sourcestampid = $1 ORDER BY changeid DESC LIMIT 1",
        )
        .bind(ssid)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        match row {
            Some(row) => Ok(Some(self.change_model(&row).await?)),
            None => Ok(None),
        }
    }

    /// The changes of a buildset's source stamps, one per source stamp that has one.
    pub async fn get_changes_for_buildset(&self, bsid: i64) -> Result<Vec<ChangeModel>, DbError> {
        let mut changes = Vec::new();
        for ss in self.get_sourcestamps_for_buildset(bsid).await? {
            if let Some(change) = self.get_change_from_ssid(ss.ssid).await? {
                changes.push(change);
            }
        }
        Ok(changes)
    }

    /// Buildbot's `getChangesForBuild`: for each codebase, the build's change and its
    /// ancestors back to (not including) the change of the previous successful build of the
    /// builder with the same sources.
    pub async fn get_changes_for_build(&self, buildid: i64) -> Result<Vec<ChangeModel>, DbError> {
        let build = self.get_build(buildid).await?;
        let sources = self.get_sourcestamps_for_build(buildid).await?;
        let previous = self
            .get_prev_successful_build(build.builderid, build.number, &sources)
            .await?;
        let mut previous_changes = BTreeMap::new();
        if let Some(previous) = previous {
            for ss in self.get_sourcestamps_for_build(previous.id).await? {
                if let Some(change) = self.get_change_from_ssid(ss.ssid).await? {
                    previous_changes.insert(ss.codebase, change.changeid);
                }
            }
        }
        let mut changes = Vec::new();
        for ss in sources {
            let Some(mut change) = self.get_change_from_ssid(ss.ssid).await? else {
                continue;
            };
            let stop = previous_changes.get(&ss.codebase).copied();
            if stop == Some(change.changeid) {
                continue;
            }
            loop {
                let parent = change.parent_changeids.first().copied();
                changes.push(change);
                match parent {
                    Some(parent) if Some(parent) != stop => match self.get_change(parent).await {
                        Ok(next) => change = next,
                        Err(DbError::NotFound(_)) => break,
                        Err(err) => return Err(err),
                    },
                    _ => break,
                }
            }
        }
        Ok(changes)
    }

    /// The id of a named object (a scheduler, a poller), created if new.
    pub async fn get_object_id(&self, name: &str, class_name: &str) -> Result<i64, DbError> {
        let _written = self.writing();
        let find = || {
            sqlx::query("SELECT id FROM objects WHERE name = $1 AND class_name = $2")
                .bind(name)
                .bind(class_name)
        };
        if let Some(row) = find().fetch_optional(&mut *self.conn().await?).await? {
            return get_i64(&row, "id");
        }
        match sqlx::query("INSERT INTO objects (name, class_name) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(class_name)
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(DbError::from)
        {
            Ok(row) => get_i64(&row, "id"),
            Err(DbError::Conflict(_)) => {
                get_i64(&find().fetch_one(&mut *self.conn().await?).await?, "id")
            }
            Err(err) => Err(err),
        }
    }

    /// A piece of an object's state, `None` if never set.
    pub async fn get_state(&self, objectid: i64, name: &str) -> Result<Option<Value>, DbError> {
        let row =
            sqlx::query("SELECT value_json FROM object_state WHERE objectid = $1 AND name = $2")
                .bind(objectid)
                .bind(name)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(|r| {
            let text = get_str(&r, "value_json")?;
            serde_json::from_str(&text).map_err(|e| DbError::Other(format!("state {name}: {e}")))
        })
        .transpose()
    }

    pub async fn set_state(&self, objectid: i64, name: &str, value: &Value) -> Result<(), DbError> {
        let _written = self.writing();
        let json = value.to_string();
        let updated = sqlx::query(
            "UPDATE object_state SET value_json = $1 WHERE objectid = $2 AND name = $3",
        )
        .bind(&json)
        .bind(objectid)
        .bind(name)
        .execute(&mut *self.conn().await?)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO object_state (objectid, name, value_json) VALUES ($1, $2, $3)",
            )
            .bind(objectid)
            .bind(name)
            .bind(&json)
            .execute(&mut *self.conn().await?)
            .await?;
        }
        Ok(())
    }
}
