//! Steps of builds (Buildbot's `db/steps.py`).

use serde_json::Value;
use sqlx::any::AnyRow;

use crate::{Db, DbError, get_i64, get_opt_i64, get_str, now};

/// A step, as Buildbot's `StepModel`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepModel {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub buildid: i64,
    pub started_at: Option<i64>,
    pub locks_acquired_at: Option<i64>,
    pub complete_at: Option<i64>,
    pub state_string: String,
    pub results: Option<i64>,
    /// `[{"name": ..., "url": ...}, ...]`.
    pub urls: Value,
    pub hidden: bool,
}

/// When a step added by [`Db::add_started_step`] starts.
#[derive(Debug, Clone, Copy)]
struct StepStart {
    at: i64,
    locks_acquired: bool,
}

/// The row an `UPDATE steps ... RETURNING *` gave back, as a step; `NotFound` without one.
fn updated(row: Option<AnyRow>, stepid: i64) -> Result<StepModel, DbError> {
    model(&row.ok_or_else(|| DbError::NotFound(format!("step {stepid}")))?)
}

fn model(row: &AnyRow) -> Result<StepModel, DbError> {
    Ok(StepModel {
        id: get_i64(row, "id")?,
        number: get_i64(row, "number")?,
        name: get_str(row, "name")?,
        buildid: get_i64(row, "buildid")?,
        started_at: get_opt_i64(row, "started_at")?,
        locks_acquired_at: get_opt_i64(row, "locks_acquired_at")?,
        complete_at: get_opt_i64(row, "complete_at")?,
        state_string: get_str(row, "state_string")?,
        results: get_opt_i64(row, "results")?,
        urls: serde_json::from_str(&get_str(row, "urls_json")?).unwrap_or(Value::Array(vec![])),
        hidden: get_i64(row, "hidden")? != 0,
    })
}

impl Db {
    /// Adds a step with the next number of its build; returns it. A name already used in the
    /// build gets `_1`, `_2`... (cut to 50 characters), as Buildbot does.
    pub async fn add_step(
        &self,
        buildid: i64,
        name: &str,
        state_string: &str,
    ) -> Result<StepModel, DbError> {
        self.insert_step(buildid, name, state_string, None).await
    }

    /// [`Db::add_step`] of a step that starts at once (Buildbot's `addStep` then `startStep`,
    /// in one statement); with `locks_acquired`, it has its locks from its start.
    pub async fn add_started_step(
        &self,
        buildid: i64,
        name: &str,
        state_string: &str,
        started_at: i64,
        locks_acquired: bool,
    ) -> Result<StepModel, DbError> {
        let start = StepStart {
            at: started_at,
            locks_acquired,
        };
        self.insert_step(buildid, name, state_string, Some(start))
            .await
    }

    async fn insert_step(
        &self,
        buildid: i64,
        name: &str,
        state_string: &str,
        start: Option<StepStart>,
    ) -> Result<StepModel, DbError> {
        // Most names are new in their build: tried as they are first.
        match self
            .insert_named_step(buildid, name, state_string, start)
            .await
        {
            Err(DbError::Conflict(_)) => {}
            inserted => return inserted,
        }
        let names = sqlx::query("SELECT name FROM steps WHERE buildid = $1")
            .bind(buildid)
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(|row| get_str(row, "name"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut unique = name.to_owned();
        let mut suffix = 1;
        while names.contains(&unique) {
            let tail = format!("_{suffix}");
            let keep: String = name.chars().take(50 - tail.len()).collect();
            unique = format!("{keep}{tail}");
            suffix += 1;
        }
        self.insert_named_step(buildid, &unique, state_string, start)
            .await
    }

    /// Inserts a step with the next number of its build; a conflict if the name is taken.
    async fn insert_named_step(
        &self,
        buildid: i64,
        name: &str,
        state_string: &str,
        start: Option<StepStart>,
    ) -> Result<StepModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query(
            "INSERT INTO steps (number, name, buildid, started_at, locks_acquired_at, complete_at, state_string, results, urls_json, hidden) \
             SELECT COALESCE(MAX(number) + 1, 0), $1, $2, $3, $4, NULL, $5, NULL, $6, 0 FROM steps WHERE buildid = $2 RETURNING *",
        )
        .bind(name)
        .bind(buildid)
        .bind(start.map(|s| s.at))
        .bind(start.filter(|s| s.locks_acquired).map(|s| s.at))
        .bind(state_string)
        .bind("[]")
        .fetch_one(&mut *self.conn().await?)
        .await?;
        model(&row)
    }

    /// Sets when the step got its locks (Buildbot's `set_step_locks_acquired_at`); returns the
    /// step as it now is.
    pub async fn set_step_locks_acquired_at(
        &self,
        stepid: i64,
        at: i64,
    ) -> Result<StepModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query("UPDATE steps SET locks_acquired_at = $1 WHERE id = $2 RETURNING *")
            .bind(at)
            .bind(stepid)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        updated(row, stepid)
    }

    /// A step that needs no locks got them when it started (or at `at` when it has not
    /// started), and now runs, described by `state_string`; returns the step as it now is.
    pub async fn set_step_running_without_locks(
        &self,
        stepid: i64,
        state_string: &str,
        at: i64,
    ) -> Result<StepModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query(
            "UPDATE steps SET locks_acquired_at = COALESCE(started_at, $1), state_string = $2 WHERE id = $3 RETURNING *",
        )
        .bind(at)
        .bind(state_string)
        .bind(stepid)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        updated(row, stepid)
    }

    pub async fn start_step(
        &self,
        stepid: i64,
        started_at: i64,
        locks_acquired: bool,
    ) -> Result<StepModel, DbError> {
        let _written = self.writing();
        let sql = if locks_acquired {
            "UPDATE steps SET started_at = $1, locks_acquired_at = $1 WHERE id = $2 RETURNING *"
        } else {
            "UPDATE steps SET started_at = $1 WHERE id = $2 RETURNING *"
        };
        let row = sqlx::query(sql)
            .bind(started_at)
            .bind(stepid)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        updated(row, stepid)
    }

    pub async fn set_step_state_string(
        &self,
        stepid: i64,
        state_string: &str,
    ) -> Result<StepModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query("UPDATE steps SET state_string = $1 WHERE id = $2 RETURNING *")
            .bind(state_string)
            .bind(stepid)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        updated(row, stepid)
    }

    /// Finishes a step; with `state_string`, its final description too (Buildbot's
    /// `setStepStateString` then `finishStep`, in one statement).
    pub async fn finish_step(
        &self,
        stepid: i64,
        results: i64,
        hidden: bool,
        state_string: Option<&str>,
    ) -> Result<StepModel, DbError> {
        let _written = self.writing();
        let row = sqlx::query(
            "UPDATE steps SET complete_at = $1, results = $2, hidden = $3, state_string = COALESCE($4, state_string) WHERE id = $5 RETURNING *",
        )
        .bind(now())
        .bind(results)
        .bind(i64::from(hidden))
        .bind(state_string)
        .bind(stepid)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        updated(row, stepid)
    }

    /// Adds a URL to a step (Buildbot's `addURL`); an identical one is not added twice.
    pub async fn add_step_url(&self, stepid: i64, name: &str, url: &str) -> Result<(), DbError> {
        let _written = self.writing();
        let step = self.get_step(stepid).await?;
        let mut urls = step.urls.as_array().cloned().unwrap_or_default();
        let entry = serde_json::json!({"name": name, "url": url});
        if !urls.contains(&entry) {
            urls.push(entry);
        }
        sqlx::query("UPDATE steps SET urls_json = $1 WHERE id = $2")
            .bind(Value::Array(urls).to_string())
            .bind(stepid)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    pub async fn get_step(&self, stepid: i64) -> Result<StepModel, DbError> {
        let row = sqlx::query("SELECT * FROM steps WHERE id = $1")
            .bind(stepid)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("step {stepid}")))?;
        model(&row)
    }

    pub async fn get_step_by_number(
        &self,
        buildid: i64,
        number: i64,
    ) -> Result<StepModel, DbError> {
        let row = sqlx::query("SELECT * FROM steps WHERE buildid = $1 AND number = $2")
            .bind(buildid)
            .bind(number)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("step {number} of build {buildid}")))?;
        model(&row)
    }

    pub async fn get_step_by_name(&self, buildid: i64, name: &str) -> Result<StepModel, DbError> {
        let row = sqlx::query("SELECT * FROM steps WHERE buildid = $1 AND name = $2")
            .bind(buildid)
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("step {name} of build {buildid}")))?;
        model(&row)
    }

    /// The steps of a build, in order.
    pub async fn get_steps(&self, buildid: i64) -> Result<Vec<StepModel>, DbError> {
        sqlx::query("SELECT * FROM steps WHERE buildid = $1 ORDER BY number")
            .bind(buildid)
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(model)
            .collect()
    }
}
