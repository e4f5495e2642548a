//! oxbot's database layer: Buildbot 4.3's schema (its `db/model.py`, alembic revision 067) on
//! SQLite and PostgreSQL. Only this crate knows SQL.
//!
//! # Design
//!
//! - **One code path.** Every query goes through `sqlx::Any` connections with `$1` placeholders,
//!   which both backends accept; booleans are stored as Buildbot stores them (0/1 integers),
//!   times as epoch seconds (`i64`). The schema lives in `migrations/{sqlite,postgres}/`
//!   (same versions in both, checked by a unit test), dumped from databases Buildbot 4.3
//!   created, so table, column and index names are Buildbot's and an existing Buildbot 4.3
//!   database opens as is: its `alembic_version` (067) counts as migration 1, and ours carries
//!   the same `alembic_version` row so `buildbot upgrade-master` finds it current.
//! - **URLs.** [`Db::connect`] takes Buildbot's SQLAlchemy-style URLs: `sqlite:///state.sqlite`
//!   (relative to the master's basedir), `sqlite:////abs/path`, `sqlite://` (in memory),
//!   `postgresql[+driver]://user@host[:port]/db`. SQLite runs with WAL, a 30 s busy timeout and
//!   foreign keys on, on at most 4 connections (1 in memory), kept without sqlx's pool
//!   (see `connections`); PostgreSQL in an sqlx pool of 8. SQLite's
//!   `synchronous` is `NORMAL` (Buildbot leaves SQLite's `FULL`): the WAL is synced at
//!   checkpoints, not at every commit, which halves the time of a trivial build. The database
//!   never corrupts; a crash of the whole machine (not of oxbot) may lose the last commits.
//!   PostgreSQL is the choice where every commit must survive a power loss.
//! - **Errors.** [`DbError`]: `NotFound`, `Conflict` (Buildbot's `AlreadyClaimedError`,
//!   `NotClaimedError`, `SchedulerAlreadyClaimedError`, `LogSlugExistsError`, unique
//!   violations), `BadUrl`, `Other`.
//! - **API.** A cloneable [`Db`] handle; every method is `async` and named after Buildbot's
//!   connector method, in the module named after Buildbot's `db/*.py`. Filtered getters take
//!   Buildbot's arguments as a filter (`*_where`); the plain getter lists everything.
//!
//! # Methods by module
//!
//! - lib: `connect`, `upgrade`, `needs_upgrade`, `backend`, `close`, `execute_admin`, [`now`].
//! - masters: `find_master_id`, `set_master_state` (returns whether it changed; inactive means
//!   `master_stopped`), `master_stopped`, `master_housekeeping`, `expire_masters`
//!   ([`MasterHousekeeping`] says what was released, for the caller's events), `get_master`,
//!   `get_masters`.
//! - builders (+ tags, projects): `find_builder_id`, `update_builder_info`,
//!   `add_builder_master`, `remove_builder_master`, `register_builders`, `get_builder`,
//!   `get_builders`, `get_builders_where(masterid, projectid, workerid)`, `find_project_id`,
//!   `update_project_info`, `get_project`, `get_projects`, `get_active_projects`.
//! - workers: `find_worker_id`, `worker_connected`, `worker_disconnected`,
//!   `worker_configured`, `deconfigure_all_workers_for_master`, `set_worker_paused`,
//!   `set_worker_graceful`, `get_worker`, `get_worker_by_name`, `get_workers`,
//!   `get_workers_where(`[`WorkerFilter`]`)`.
//! - schedulers: `find_scheduler_id`, `set_scheduler_master`, `enable_scheduler`,
//!   `get_scheduler`, `get_schedulers`, `get_schedulers_where(`[`ClaimFilter`]`)`,
//!   `classify_changes`, `flush_change_classifications`, `get_change_classifications`.
//! - changesources: `find_change_source_id`, `set_change_source_master`, `get_change_source`,
//!   `get_change_sources(`[`ClaimFilter`]`)`.
//! - sourcestamps: `find_sourcestamp_id` (Buildbot's `ss_hash`, patches), `get_sourcestamp`,
//!   `get_sourcestamps`, `get_sourcestamps_for_buildset`, `get_sourcestamps_for_build`.
//! - buildsets: `add_buildset` (with its build requests), `complete_buildset`,
//!   `get_buildset`, `get_buildsets`, `get_buildsets_where(complete)`,
//!   `get_buildset_properties`.
//! - buildrequests: `get_build_request`, `get_build_requests`,
//!   `get_build_requests_where(`[`BuildRequestFilter`]`)`, `get_build_requests_for_buildset`,
//!   `unclaimed_build_requests`, `claim_build_requests`, `claim_build_requests_at`,
//!   `unclaim_build_requests`, `unclaim_build_requests_for_master`, `complete_build_requests`.
//! - builds: `add_build`, `set_build_state_string`, `finish_build`,
//!   `add_build_locks_duration`, `get_build`, `get_build_by_number`, `get_builds`,
//!   `get_builds_where(`[`BuildFilter`]`)`, `get_builds_for_change`,
//!   `get_prev_successful_build`, `set_build_property`, `get_build_properties`.
//! - steps: `add_step` (names de-duplicated `_1`, `_2`...), `add_started_step`, `start_step`,
//!   `set_step_running_without_locks`, `set_step_state_string`, `finish_step` (with its
//!   final state string), `add_step_url`, `get_step`,
//!   `get_step_by_number`, `get_step_by_name`, `get_steps`.
//! - logs: `add_log`, `append_log` (chunks of whole lines, at most 64 KiB, stored
//!   uncompressed), `finish_log`, `get_log`, `get_log_by_slug`, `get_logs`, `get_log_lines`
//!   (reads chunks Buildbot compressed with zlib, bz2, lz4 or zstd; brotli is refused by name).
//! - changes (+ state): `add_change`, `get_change`, `get_changes`, `get_change_from_ssid`,
//!   `get_changes_for_buildset`, `get_changes_for_build`, `get_object_id`, `get_state`,
//!   `set_state`.

mod builders;
mod buildrequests;
mod builds;
mod buildsets;
mod changes;
mod changesources;
mod connections;
mod logs;
mod masters;
mod schedulers;
mod sourcestamps;
mod steps;
pub mod testing;
mod workers;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection as _, Executor as _, Row as _};

use connections::{Conn, Connections};

pub use builders::{BuilderModel, BuilderRegistration, ProjectModel};
pub use buildrequests::{BuildRequestFilter, BuildRequestModel, ClaimedFilter};
pub use builds::{BuildFilter, BuildModel};
pub use buildsets::{BuildSetModel, NewBuildset};
pub use changes::{ChangeModel, NewChange};
pub use changesources::ChangeSourceModel;
pub use logs::{Appended, LogChunk, LogCompression, LogModel};
pub use masters::{EXPIRE_SECONDS, MasterHousekeeping, MasterModel};
pub use schedulers::{ClaimFilter, SchedulerModel};
pub use sourcestamps::{NewPatch, NewSourceStamp, PatchModel, SourceStampModel};
pub use steps::StepModel;
pub use workers::{WorkerFilter, WorkerModel};

/// A database error, in words for users.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness conflict: already claimed, duplicate name...
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unsupported database URL '{0}': use sqlite:///PATH or postgresql://USER@HOST/DB")]
    BadUrl(String),
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> DbError {
        match &err {
            sqlx::Error::RowNotFound => DbError::NotFound("row".to_owned()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                DbError::Conflict(db.message().to_owned())
            }
            _ => DbError::Other(err.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(err: sqlx::migrate::MigrateError) -> DbError {
        DbError::Other(err.to_string())
    }
}

/// Which database is behind the connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cloning it shares the connections.
#[derive(Debug, Clone)]
pub struct Db {
    connections: Arc<Connections>,
    backend: Backend,
    /// How many write functions of this handle (and its clones) have finished.
    writes: Arc<AtomicU64>,
    /// The [`LogCompression`] new log chunks are stored with, as its method id.
    log_compression: Arc<AtomicU8>,
    /// The source stamps of recent buildsets (see [`sourcestamps::BuildsetSourceStamps`]).
    buildset_sourcestamps: Arc<std::sync::Mutex<sourcestamps::BuildsetSourceStamps>>,
}

/// Held by every function that writes; counts the write when dropped, after the statements
/// ran (or failed). See [`Db::writes`].
pub(crate) struct Writing<'a>(&'a AtomicU64);

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Release);
    }
}

/// The alembic revision of Buildbot 4.3's schema, which migration 1 creates.
pub const BUILDBOT_ALEMBIC_REVISION: &str = "067";

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Turns a Buildbot (SQLAlchemy) URL into an sqlx URL.
fn sqlx_url(db_url: &str, basedir: &Path) -> Result<(String, Backend), DbError> {
    if let Some(rest) = db_url.strip_prefix("sqlite://") {
        if rest.is_empty() || rest == "/:memory:" {
            return Ok(("sqlite::memory:".to_owned(), Backend::Sqlite));
        }
        let path = rest
            .strip_prefix('/')
            .ok_or_else(|| DbError::BadUrl(db_url.to_owned()))?;
        let (path, _query) = path.split_once('?').unwrap_or((path, ""));
        let path = basedir.join(path);
        return Ok((
            format!("sqlite://{}?mode=rwc", path.display()),
            Backend::Sqlite,
        ));
    }
    let (scheme, rest) = db_url
        .split_once("://")
        .ok_or_else(|| DbError::BadUrl(db_url.to_owned()))?;
    match scheme.split('+').next() {
        Some("postgresql" | "postgres") => Ok((format!("postgres://{rest}"), Backend::Postgres)),
        _ => Err(DbError::BadUrl(db_url.to_owned())),
    }
}

impl Db {
    /// Opens the database a master config names (`c['db']['db_url']`).
    pub async fn connect(db_url: &str, basedir: &Path) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = sqlx_url(db_url, basedir)?;
        let connections = match backend {
            Backend::Sqlite if url == "sqlite::memory:" => Connections::sqlite(&url, 1).await?,
            Backend::Sqlite => Connections::sqlite(&url, 4).await?,
            Backend::Postgres => Connections::postgres(&url, 8).await?,
        };
        Ok(Db {
            connections: Arc::new(connections),
            backend,
            writes: Arc::default(),
            log_compression: Arc::new(AtomicU8::new(LogCompression::Gz as u8)),
            buildset_sourcestamps: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Buildbot's alembic revision recorded in the database, if any.
    async fn alembic_revision(&self) -> Result<Option<String>, DbError> {
        match sqlx::query("SELECT version_num FROM alembic_version")
            .fetch_optional(&mut *self.conn().await?)
            .await
        {
            Ok(row) => row.map(|r| get_str(&r, "version_num")).transpose(),
            // No such table: not a Buildbot database.
            Err(_) => Ok(None),
        }
    }

    /// Versions of our migrations already applied (none when the table is missing).
    async fn applied_versions(&self) -> Result<Vec<i64>, DbError> {
        match sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = $1")
            .bind(true)
            .fetch_all(&mut *self.conn().await?)
            .await
        {
            Ok(rows) => rows.iter().map(|r| get_i64(r, "version")).collect(),
            Err(_) => Ok(Vec::new()),
        }
    }

    /// Creates or upgrades the schema (`create-master`, `upgrade-master`). A database that
    /// Buildbot 4.3 created (alembic revision [`BUILDBOT_ALEMBIC_REVISION`]) already has
    /// the schema of migration 1, which is then recorded as applied instead of run.
    #[tracing::instrument(skip(self), fields(backend = ?self.backend))]
    pub async fn upgrade(&self) -> Result<(), DbError> {
        use sqlx::migrate::Migrate as _;
        let migrator = self.migrator();
        if self.alembic_revision().await?.as_deref() == Some(BUILDBOT_ALEMBIC_REVISION)
            && !self.applied_versions().await?.contains(&1)
        {
            let mut conn = self.conn().await?;
            conn.ensure_migrations_table(&migrator.table_name).await?;
            if let Some(first) = migrator.iter().find(|m| m.version == 1) {
                conn.skip(&migrator.table_name, first).await?;
                tracing::info!("adopted a database created by Buildbot 4.3");
            }
        }
        migrator.run(&mut *self.conn().await?).await?;
        Ok(())
    }

    /// Whether the schema is missing or older than this version of oxbot (`start` then
    /// refuses, as Buildbot does, until `upgrade-master` has run).
    pub async fn needs_upgrade(&self) -> Result<bool, DbError> {
        let mut applied = self.applied_versions().await?;
        if self.alembic_revision().await?.as_deref() == Some(BUILDBOT_ALEMBIC_REVISION) {
            applied.push(1);
        }
        Ok(self
            .migrator()
            .iter()
            .any(|m| !applied.contains(&m.version)))
    }

    /// A connection to run statements on, waiting for one to be free.
    pub(crate) async fn conn(&self) -> Result<Conn<'_>, sqlx::Error> {
        self.connections.acquire().await
    }

    /// How many writes through this handle have finished. A reader that saw the count before
    /// reading and sees the same count later knows that what it read still holds, provided
    /// nothing else writes to the database: true of SQLite, which one master owns; not of a
    /// PostgreSQL database that several masters share.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// Taken at the start of every function that writes (see [`Db::writes`]).
    pub(crate) fn writing(&self) -> Writing<'_> {
        Writing(&self.writes)
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads, then writes after another
    /// connection committed, fails with "database is locked" without waiting for the busy
    /// timeout.
    pub(crate) async fn begin_write<'c>(
        &self,
        conn: &'c mut AnyConnection,
    ) -> Result<sqlx::Transaction<'c, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        }
    }

    /// Runs one administrative statement (`CREATE DATABASE`...), for tests and tools that
    /// manage scratch databases.
    pub async fn execute_admin(&self, statement: &str) -> Result<(), DbError> {
        let _written = self.writing();
        self.conn()
            .await?
            .execute(sqlx::AssertSqlSafe(statement))
            .await?;
        Ok(())
    }

    /// Closes the connections (waits for those in use to be given back).
    pub async fn close(&self) {
        self.connections.close().await;
    }
}

/// Inserts `rows` into `into` (`"table (column, ...)"`), many rows per statement: as many as
/// keep a statement under 999 bound values (the oldest SQLite's limit). `tail` follows the
/// values (`"ON CONFLICT DO NOTHING"`, or empty).
pub(crate) async fn insert_rows<T, const N: usize>(
    conn: &mut AnyConnection,
    into: &str,
    rows: &[[T; N]],
    tail: &str,
) -> Result<(), DbError>
where
    T: Clone + for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
{
    for chunk in rows.chunks((999 / N).max(1)) {
        let values = (0..chunk.len())
            .map(|row| {
                let params = (1..=N).map(|col| format!("${}", row * N + col));
                format!("({})", params.collect::<Vec<_>>().join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {into} VALUES {values} {tail}"
        )));
        for value in chunk.iter().flatten() {
            query = query.bind(value.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Buildbot's `hash_columns`: sha1 of the values joined with NUL, `None` written as `\xf5`.
pub(crate) fn hash_columns(values: &[Option<&str>]) -> String {
    use sha1::Digest as _;
    let mut hasher = sha1::Sha1::new();
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            hasher.update([0u8]);
        }
        match value {
            Some(text) => hasher.update(text.as_bytes()),
            None => hasher.update([0xf5u8]),
        }
    }
    let mut hex = String::with_capacity(40);
    for byte in hasher.finalize() {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The current time in whole seconds since the epoch, as Buildbot stores times.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Reads an integer column whatever its width on the backend.
pub(crate) fn get_i64(row: &AnyRow, column: &str) -> Result<i64, DbError> {
    if let Ok(v) = row.try_get::<i64, _>(column) {
        return Ok(v);
    }
    if let Ok(v) = row.try_get::<i32, _>(column) {
        return Ok(i64::from(v));
    }
    row.try_get::<i16, _>(column)
        .map(i64::from)
        .map_err(DbError::from)
}

/// Reads a nullable integer column.
pub(crate) fn get_opt_i64(row: &AnyRow, column: &str) -> Result<Option<i64>, DbError> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(column) {
        return Ok(v);
    }
    if let Ok(v) = row.try_get::<Option<i32>, _>(column) {
        return Ok(v.map(i64::from));
    }
    row.try_get::<Option<i16>, _>(column)
        .map(|v| v.map(i64::from))
        .map_err(DbError::from)
}

pub(crate) fn get_str(row: &AnyRow, column: &str) -> Result<String, DbError> {
    row.try_get::<String, _>(column).map_err(DbError::from)
}

pub(crate) fn get_opt_str(row: &AnyRow, column: &str) -> Result<Option<String>, DbError> {
    row.try_get::<Option<String>, _>(column)
        .map_err(DbError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_columns_matches_buildbot() {
        // Values computed with Buildbot 4.3's buildbot.util.sautils.hash_columns.
        assert_eq!(
            hash_columns(&[Some("runtests")]),
            "ae3c03f408678b20c1eb105fc44bf038def161a9"
        );
        assert_eq!(
            hash_columns(&[Some("main"), None, Some(""), Some(""), Some(""), None]),
            "d1189c6f8bc2134d6f272f29a4204f48f072ac56"
        );
    }

    #[test]
    fn urls_follow_sqlalchemy_forms() {
        let base = Path::new("/m");
        assert_eq!(
            sqlx_url("sqlite:///state.sqlite", base).unwrap().0,
            "sqlite:///m/state.sqlite?mode=rwc"
        );
        assert_eq!(
            sqlx_url("sqlite:////abs/x.db", base).unwrap().0,
            "sqlite:///abs/x.db?mode=rwc"
        );
        assert_eq!(sqlx_url("sqlite://", base).unwrap().0, "sqlite::memory:");
        assert_eq!(
            sqlx_url("postgresql+psycopg2://u@h/db", base).unwrap(),
            ("postgres://u@h/db".to_owned(), Backend::Postgres)
        );
        assert!(sqlx_url("mysql://u@h/db", base).is_err());
    }

    /// Every method whose body writes takes [`Db::writing`] first, or readers of
    /// [`Db::writes`] (the web server's answer cache) would keep serving what it replaced.
    #[test]
    fn every_write_is_counted() {
        let sources = [
            ("builders.rs", include_str!("builders.rs")),
            ("buildrequests.rs", include_str!("buildrequests.rs")),
            ("builds.rs", include_str!("builds.rs")),
            ("buildsets.rs", include_str!("buildsets.rs")),
            ("changes.rs", include_str!("changes.rs")),
            ("changesources.rs", include_str!("changesources.rs")),
            ("logs.rs", include_str!("logs.rs")),
            ("masters.rs", include_str!("masters.rs")),
            ("schedulers.rs", include_str!("schedulers.rs")),
            ("sourcestamps.rs", include_str!("sourcestamps.rs")),
            ("steps.rs", include_str!("steps.rs")),
            ("workers.rs", include_str!("workers.rs")),
        ];
        let writes = ["INSERT INTO", "UPDATE ", "DELETE FROM", "begin_write("];
        let mut uncounted = Vec::new();
        for (file, source) in sources {
            // Methods are the items indented by four spaces; a free helper that writes is
            // only called from a method, which must count the write.
            let mut methods: Vec<String> = Vec::new();
            for line in source.lines() {
                let at_method_level = line.starts_with("    ") && !line.starts_with("     ");
                let at_top_level = !line.is_empty() && !line.starts_with(' ');
                if at_method_level && line.contains("fn ") || at_top_level || methods.is_empty() {
                    methods.push(String::new());
                }
                if let Some(method) = methods.last_mut() {
                    method.push_str(line);
                    method.push('\n');
                }
            }
            for method in methods.iter().filter(|m| m.contains("&self")) {
                if writes.iter().any(|w| method.contains(w)) && !method.contains("self.writing()") {
                    uncounted.push(format!("{file}: {}", method.lines().next().unwrap_or("")));
                }
            }
        }
        assert!(uncounted.is_empty(), "writes not counted: {uncounted:?}");
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|x| (x.version, x.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
    }
}
