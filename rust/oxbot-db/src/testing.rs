//! Support for tests of this crate and of the crates above it: a scratch PostgreSQL database
//! on the local server (127.0.0.1:5432, trust auth, as on the project's machines).

use std::path::Path;

use crate::{Db, now};

/// The database tests create their scratch databases from.
const ADMIN_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

/// A PostgreSQL database made for one test; [`ScratchPostgres::remove`] drops it.
pub struct ScratchPostgres {
    admin: Db,
    name: String,
    pub db: Db,
}

impl ScratchPostgres {
    /// A new empty database named after `prefix`, or `None` when PostgreSQL is not reachable
    /// (a failure instead when `OXBOT_REQUIRE_POSTGRES` is set, as in `.ci/run`).
    pub async fn create(prefix: &str) -> Option<ScratchPostgres> {
        let Ok(admin) = Db::connect(ADMIN_URL, Path::new(".")).await else {
            assert!(
                std::env::var_os("OXBOT_REQUIRE_POSTGRES").is_none(),
                "PostgreSQL is required but not reachable at {ADMIN_URL}"
            );
            return None;
        };
        let name = format!("{prefix}_{}_{}", std::process::id(), now());
        admin
            .execute_admin(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creating a scratch database");
        let url = format!("postgresql://postgres@127.0.0.1:5432/{name}");
        let db = Db::connect(&url, Path::new("."))
            .await
            .expect("connecting to the scratch database");
        Some(ScratchPostgres { admin, name, db })
    }

    /// Closes the database and drops it.
    pub async fn remove(self) {
        self.db.close().await;
        self.admin
            .execute_admin(&format!("DROP DATABASE {}", self.name))
            .await
            .expect("dropping a scratch database");
    }
}
