//! The connections a [`crate::Db`] runs its statements on.
//!
//! PostgreSQL goes through sqlx's pool, which checks a connection with a round trip when it
//! is taken and again when it is given back: the server may have dropped it. SQLite's
//! connections are kept here instead. Each is a file opened in this process, served by its
//! own sqlx thread; sqlx's pool would send a ping to that thread after every statement (one
//! more pair of thread wake-ups per statement, a fifth of the master's CPU time per build).
//! Here a connection goes back to the idle list as it is, and is opened on first need.

use std::ops::{Deref, DerefMut};

use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _, Executor as _};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many pages the WAL grows by before a commit copies them back into the database
/// (SQLite's default is 1,000). A build rewrites the same few pages many times: copied back
/// 10 times less often, each is copied once for many commits. The WAL file grows to ~40 MB.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// Where a [`crate::Db`] takes its connections from.
#[derive(Debug)]
pub(crate) enum Connections {
    Pool(AnyPool),
    Sqlite(SqliteConnections),
}

/// At most `max` SQLite connections, opened on first need and never checked.
#[derive(Debug)]
pub(crate) struct SqliteConnections {
    url: String,
    wal: bool,
    idle: std::sync::Mutex<Vec<AnyConnection>>,
    permits: Semaphore,
    max: u32,
}

/// One connection, taken from [`Connections`] until dropped.
pub(crate) enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    Sqlite {
        conn: Option<AnyConnection>,
        home: &'a SqliteConnections,
        _permit: SemaphorePermit<'a>,
    },
}

impl Connections {
    /// A PostgreSQL pool of `max` connections.
    pub(crate) async fn postgres(url: &str, max: u32) -> Result<Connections, sqlx::Error> {
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect(url)
            .await?;
        Ok(Connections::Pool(pool))
    }

    /// At most `max` connections to the SQLite database at `url` (`sqlite::memory:` is a
    /// database per connection, so it must have one). The first is opened now, so that a
    /// database that cannot be opened fails here.
    pub(crate) async fn sqlite(url: &str, max: u32) -> Result<Connections, sqlx::Error> {
        let home = SqliteConnections {
            url: url.to_owned(),
            wal: url != "sqlite::memory:",
            idle: std::sync::Mutex::default(),
            permits: Semaphore::new(max as usize),
            max,
        };
        let first = home.open().await?;
        home.give_back(first);
        Ok(Connections::Sqlite(home))
    }

    /// A connection, waiting for one to be free.
    pub(crate) async fn acquire(&self) -> Result<Conn<'_>, sqlx::Error> {
        match self {
            Connections::Pool(pool) => Ok(Conn::Pooled(pool.acquire().await?)),
            Connections::Sqlite(home) => {
                let permit = home
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                let idle = home.idle.lock().expect("idle connections").pop();
                let conn = match idle {
                    Some(conn) => conn,
                    None => home.open().await?,
                };
                Ok(Conn::Sqlite {
                    conn: Some(conn),
                    home,
                    _permit: permit,
                })
            }
        }
    }

    /// Waits for every connection to be given back, then closes them all.
    pub(crate) async fn close(&self) {
        match self {
            Connections::Pool(pool) => pool.close().await,
            Connections::Sqlite(home) => {
                if let Ok(all) = home.permits.acquire_many(home.max).await {
                    let idle = std::mem::take(&mut *home.idle.lock().expect("idle connections"));
                    for conn in idle {
                        if let Err(err) = conn.close().await {
                            tracing::debug!(cause = %err, "closing a SQLite connection");
                        }
                    }
                    all.forget();
                    home.permits.close();
                }
            }
        }
    }
}

impl SqliteConnections {
    async fn open(&self) -> Result<AnyConnection, sqlx::Error> {
        let mut conn = AnyConnection::connect(&self.url).await?;
        conn.execute("PRAGMA foreign_keys = ON").await?;
        conn.execute("PRAGMA busy_timeout = 30000").await?;
        if self.wal {
            conn.execute("PRAGMA journal_mode = WAL").await?;
            conn.execute("PRAGMA synchronous = NORMAL").await?;
            conn.execute(sqlx::AssertSqlSafe(format!(
                "PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}"
            )))
            .await?;
        }
        Ok(conn)
    }

    fn give_back(&self, conn: AnyConnection) {
        self.idle.lock().expect("idle connections").push(conn);
    }
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Sqlite { conn, .. } => conn.as_ref().expect("connection until dropped"),
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Sqlite { conn, .. } => conn.as_mut().expect("connection until dropped"),
        }
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        // A transaction left open was rolled back by its own drop: sqlx queued the ROLLBACK on
        // the connection's thread, ahead of whatever the next user sends.
        if let Conn::Sqlite { conn, home, .. } = self
            && let Some(conn) = conn.take()
        {
            home.give_back(conn);
        }
    }
}
