//! Our SQLite schema against the one the real Buildbot 4.3 creates: `buildbot create-master`
//! makes a `state.sqlite`, and its tables, columns, indexes and foreign keys must equal ours.
//! Then each side opens the other's database: oxbot adopts Buildbot's as current, and
//! `buildbot upgrade-master` finds ours current.
//!
//! Buildbot is found at `$OXBOT_BUILDBOT`, else in `compat-tests/.venv` (which CI makes). With
//! `OXBOT_COMPAT=1` and neither present, the test makes its own venv with
//! `pip install buildbot==4.3.0` (slow); otherwise it is skipped with the reason printed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use oxbot_db::Db;
use sqlx::{Row as _, SqlitePool};

/// The `buildbot` executable of a Buildbot 4.3 install, or why there is none.
fn find_buildbot() -> Result<Option<PathBuf>> {
    if let Some(path) = std::env::var_os("OXBOT_BUILDBOT") {
        return Ok(Some(PathBuf::from(path)));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ci_venv = root.join("compat-tests/.venv/bin/buildbot");
    if ci_venv.exists() {
        return Ok(Some(ci_venv));
    }
    if std::env::var_os("OXBOT_COMPAT").is_none() {
        return Ok(None);
    }
    let venv = std::env::temp_dir().join("oxbot-db-buildbot-4.3.0");
    let buildbot = venv.join("bin/buildbot");
    if !buildbot.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "buildbot==4.3.0"]))?;
    }
    Ok(Some(buildbot))
}

fn run(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        bail!("{command:?} failed: {text}");
    }
    Ok(text)
}

/// Every table's columns, indexes and foreign keys, in a stable order, without sqlx's table.
async fn describe(path: &Path) -> Result<Vec<String>> {
    let pool = SqlitePool::connect(&format!("sqlite://{}", path.display())).await?;
    let mut out = Vec::new();
    let tables = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&pool)
    .await?;
    for table in tables {
        let table: String = table.get("name");
        for column in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({table})")))
            .fetch_all(&pool)
            .await?
        {
            out.push(format!(
                "column {table}.{} {} notnull={} default={:?} pk={}",
                column.get::<String, _>("name"),
                column.get::<String, _>("type"),
                column.get::<i64, _>("notnull"),
                column.get::<Option<String>, _>("dflt_value"),
                column.get::<i64, _>("pk"),
            ));
        }
        for fk in sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA foreign_key_list({table})"
        )))
        .fetch_all(&pool)
        .await?
        {
            out.push(format!(
                "foreign key {table}.{} -> {}.{} on delete {}",
                fk.get::<String, _>("from"),
                fk.get::<String, _>("table"),
                fk.get::<Option<String>, _>("to").unwrap_or_default(),
                fk.get::<String, _>("on_delete"),
            ));
        }
    }
    for index in sqlx::query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&pool)
    .await?
    {
        out.push(format!("index {}", index.get::<String, _>("sql")));
    }
    out.sort();
    pool.close().await;
    Ok(out)
}

#[tokio::test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
async fn sqlite_schema_equals_buildbot_4_3() -> Result<()> {
    let Some(buildbot) = find_buildbot()? else {
        eprintln!(
            "skipped: no Buildbot 4.3 (set OXBOT_BUILDBOT, make compat-tests/.venv, or set OXBOT_COMPAT=1 to install it)"
        );
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let theirs = dir.path().join("buildbot");
    run(Command::new(&buildbot)
        .args(["create-master", "-q"])
        .arg(&theirs))?;
    let theirs_db = theirs.join("state.sqlite");

    let ours = dir.path().join("oxbot");
    std::fs::create_dir(&ours)?;
    let db = Db::connect("sqlite:///state.sqlite", &ours).await?;
    db.upgrade().await?;
    db.close().await;
    let ours_db = ours.join("state.sqlite");

    let (want, got) = (describe(&theirs_db).await?, describe(&ours_db).await?);
    assert!(
        want.iter().filter(|x| x.starts_with("column ")).count() > 200,
        "Buildbot's schema was not read: {want:?}"
    );
    let missing: Vec<_> = want.iter().filter(|x| !got.contains(x)).collect();
    let extra: Vec<_> = got.iter().filter(|x| !want.contains(x)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "schema differs from Buildbot 4.3's\nonly in Buildbot's: {missing:#?}\nonly in ours: {extra:#?}"
    );

    // oxbot opens Buildbot's database as current, and works on it.
    let db = Db::connect("sqlite:///state.sqlite", &theirs).await?;
    assert!(!db.needs_upgrade().await?);
    db.upgrade().await?;
    let masterid = db.find_master_id("adopted:/m").await?;
    assert_eq!(db.get_master(masterid).await?.name, "adopted:/m");
    db.close().await;

    // Buildbot finds oxbot's database current: upgrade-master leaves it at the same revision.
    std::fs::copy(&ours_db, &theirs_db)?;
    std::fs::copy(theirs.join("master.cfg.sample"), theirs.join("master.cfg"))?;
    let output = run(Command::new(&buildbot).arg("upgrade-master").arg(&theirs))?;
    assert!(
        output.contains("upgrade complete"),
        "unexpected upgrade-master output: {output}"
    );
    let pool = SqlitePool::connect(&format!("sqlite://{}", theirs_db.display())).await?;
    let revision: String = sqlx::query("SELECT version_num FROM alembic_version")
        .fetch_one(&pool)
        .await?
        .get("version_num");
    assert_eq!(revision, oxbot_db::BUILDBOT_ALEMBIC_REVISION);
    Ok(())
}
