//! The schedulers against a real (in-memory SQLite) database with tokio's clock paused:
//! `Periodic`, `Nightly` (cron fields, `onlyIfChanged`, `branch`) and the tree-stable timer of
//! `SingleBranchScheduler`/`AnyBranchScheduler`. Each test moves time with
//! `tokio::time::advance` and checks which buildsets and build requests the database holds.
//!
//! Time moves only when a test advances it: a blocking task held for the whole test stops
//! tokio from auto-advancing the paused clock while the SQLite worker thread answers (which
//! would fire the schedulers' timers early). Between steps, [`Env::settle`] gives the
//! scheduler tasks real time to finish their database work.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_core::python::{DistributorHook, PythonCallbacks, StepHost, StepRun};
use oxbot_db::{BuildRequestModel, BuildSetModel, Db, NewChange, SourceStampModel};
use oxbot_master::clock::Clock;
use oxbot_master::data::updates::Updates;
use oxbot_master::mq::Mq;
use oxbot_master::schedulers::basic::BranchScheduler;
use oxbot_master::schedulers::timed::TimedScheduler;
use serde_json::json;
use tokio::sync::watch;

/// 2026-11-24 (a Tuesday), 00:00 UTC.
const TUESDAY: i64 = 20_781 * 86_400;
const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

/// `fileIsImportant`: a change is important unless all its files are `.txt` (handle 1).
struct NotOnlyText;

impl PythonCallbacks for NotOnlyText {
    fn render(
        &self,
        _: u64,
        _: &oxbot_core::config::Map,
        _: &Value,
        _: &Value,
    ) -> Result<Value, String> {
        Err("not in this test".to_owned())
    }
    fn transform(&self, _: u64, _: &Value, _: &Value) -> Result<Value, String> {
        Err("not in this test".to_owned())
    }
    fn step_condition(
        &self,
        _: u64,
        _: &oxbot_core::config::Map,
        _: Option<i64>,
    ) -> Result<bool, String> {
        Err("not in this test".to_owned())
    }
    fn run_step(&self, _: u64, _: Box<dyn StepHost>) -> Result<StepRun, String> {
        Err("not in this test".to_owned())
    }
    fn call_function(&self, _: u64, _: &[Value]) -> Result<Value, String> {
        Err("not in this test".to_owned())
    }
    fn change_predicate(&self, handle: u64, change: &Value) -> Result<bool, String> {
        assert_eq!(handle, 1);
        let files = change["files"].as_array().ok_or("no files")?;
        Ok(files.iter().any(|f| {
            Path::new(f.as_str().unwrap_or_default()).extension()
                != Some(std::ffi::OsStr::new("txt"))
        }))
    }
    fn distributor_hook(
        &self,
        _: u64,
        _: DistributorHook,
        _: &Value,
        _: Box<dyn StepHost>,
    ) -> Result<Value, String> {
        Err("not in this test".to_owned())
    }
}

struct Env {
    db: Db,
    mq: Mq,
    updates: Updates,
    builderids: BTreeMap<String, i64>,
    clock: Clock,
    /// Dropping it ends the blocking task that keeps the paused clock from auto-advancing.
    _hold: std::sync::mpsc::Sender<()>,
}

/// A running scheduler task and the switch that stops it.
struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}

fn stopper() -> (watch::Sender<bool>, impl Future<Output = ()>) {
    let (tx, mut rx) = watch::channel(false);
    (tx, async move {
        let _ = rx.wait_for(|s| *s).await;
    })
}

impl Env {
    /// A fresh database with builder `b1`, the clock reading `epoch`.
    async fn new(epoch: i64) -> Env {
        // First of all, before anything waits on another thread.
        let (hold, held) = std::sync::mpsc::channel::<()>();
        tokio::task::spawn_blocking(move || {
            let _ = held.recv();
        });
        let db = Db::connect("sqlite://", Path::new(".")).await.unwrap();
        db.upgrade().await.unwrap();
        let masterid = db.find_master_id("test-master").await.unwrap();
        let mq = Mq::new();
        let updates = Updates::new(db.clone(), mq.clone(), masterid);
        let builderids =
            BTreeMap::from([("b1".to_owned(), db.find_builder_id("b1").await.unwrap())]);
        Env {
            db,
            mq,
            updates,
            builderids,
            clock: Clock::tokio_at(epoch),
            _hold: hold,
        }
    }

    /// Real time for the scheduler tasks to do their database work (virtual time stands still).
    async fn settle(&self) {
        for _ in 0..10 {
            tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)))
                .await
                .unwrap();
        }
    }

    async fn advance(&self, by: u64) {
        tokio::time::advance(Duration::from_secs(by)).await;
        self.settle().await;
    }

    /// Starts a timed scheduler, and lets it read its state.
    async fn timed(&self, kind: &str, name: &str, args: &Value) -> Running {
        let config = scheduler_config(kind, name, args);
        let scheduler =
            TimedScheduler::from_config(&config, &self.builderids, Some(Arc::new(NotOnlyText)))
                .unwrap()
                .with_clock(self.clock);
        let (stop, stopped) = stopper();
        let task = tokio::spawn(scheduler.run(self.mq.clone(), self.updates.clone(), stopped));
        self.settle().await;
        Running { stop, task }
    }

    /// Starts a branch scheduler, and lets it subscribe and read its state.
    async fn branch(&self, kind: &str, name: &str, args: &Value) -> Running {
        let config = scheduler_config(kind, name, args);
        let scheduler =
            BranchScheduler::from_config(&config, &self.builderids, Some(Arc::new(NotOnlyText)))
                .unwrap();
        let (stop, stopped) = stopper();
        let task = tokio::spawn(scheduler.run(self.mq.clone(), self.updates.clone(), stopped));
        self.settle().await;
        Running { stop, task }
    }

    /// Adds a change (database, then its event), and lets the schedulers take it in.
    async fn change(&self, branch: &str, revision: &str, files: &[&str]) -> i64 {
        let changeid = self
            .updates
            .add_change(NewChange {
                author: "dev".to_owned(),
                files: files.iter().map(|f| (*f).to_owned()).collect(),
                revision: Some(revision.to_owned()),
                when_timestamp: self.clock.now(),
                branch: Some(branch.to_owned()),
                ..NewChange::default()
            })
            .await
            .unwrap();
        self.settle().await;
        changeid
    }

    async fn buildsets(&self) -> Vec<BuildSetModel> {
        self.db.get_buildsets().await.unwrap()
    }

    /// The buildsets once there are `count` of them, or after 3 s of real time (a scheduler
    /// slowed down by a loaded machine still counts; too many or too few fail the caller's
    /// assertion).
    async fn buildsets_when(&self, count: usize) -> Vec<BuildSetModel> {
        for _ in 0..300 {
            let buildsets = self.buildsets().await;
            if buildsets.len() == count {
                return buildsets;
            }
            tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)))
                .await
                .unwrap();
        }
        self.buildsets().await
    }

    /// Advances time by `by` seconds, then there are `count` buildsets.
    async fn advance_then(&self, by: u64, count: usize) {
        self.advance(by).await;
        self.assert_buildsets(count).await;
    }

    async fn assert_buildsets(&self, count: usize) {
        let buildsets = self.buildsets_when(count).await;
        assert_eq!(buildsets.len(), count, "{buildsets:?}");
    }

    /// `count` buildsets, the last one for change `changeid` (its source stamp).
    async fn assert_built(&self, count: usize, changeid: i64) {
        let buildsets = self.buildsets_when(count).await;
        assert_eq!(buildsets.len(), count, "{buildsets:?}");
        let change = self.db.get_change(changeid).await.unwrap();
        assert_eq!(
            buildsets[count - 1].sourcestamps,
            vec![change.sourcestampid]
        );
    }

    /// The changes a scheduler recorded (`changeid -> important`).
    async fn classified(&self, scheduler: &str) -> BTreeMap<i64, bool> {
        let schedulerid = self.db.find_scheduler_id(scheduler).await.unwrap();
        self.db
            .get_change_classifications(schedulerid)
            .await
            .unwrap()
    }

    async fn requests(&self) -> Vec<BuildRequestModel> {
        self.db.get_build_requests().await.unwrap()
    }

    /// The only source stamp of a buildset.
    async fn sourcestamp(&self, buildset: &BuildSetModel) -> SourceStampModel {
        assert_eq!(buildset.sourcestamps.len(), 1, "{buildset:?}");
        self.db
            .get_sourcestamp(buildset.sourcestamps[0])
            .await
            .unwrap()
    }

    async fn state(&self, name: &str, kind: &str, key: &str) -> Option<Value> {
        let objectid = self.db.get_object_id(name, kind).await.unwrap();
        self.db.get_state(objectid, key).await.unwrap()
    }

    /// Every buildset has one unclaimed request, for `b1`.
    async fn assert_one_request_each(&self) {
        let buildsets = self.buildsets().await;
        let requests = self.requests().await;
        assert_eq!(requests.len(), buildsets.len(), "{requests:?}");
        for bs in &buildsets {
            let mine: Vec<_> = requests
                .iter()
                .filter(|r| r.buildsetid == bs.bsid)
                .collect();
            assert_eq!(mine.len(), 1, "{bs:?}: {mine:?}");
            assert_eq!(mine[0].builderid, self.builderids["b1"]);
            assert!(!mine[0].claimed && !mine[0].complete);
        }
    }
}

fn scheduler_config(kind: &str, name: &str, args: &Value) -> SchedulerConfig {
    SchedulerConfig {
        kind: kind.to_owned(),
        name: name.to_owned(),
        builder_names: vec!["b1".to_owned()],
        properties: serde_json::Map::new(),
        codebases: args.get("codebases").cloned(),
        args: args.as_object().cloned().unwrap_or_default(),
    }
}

#[tokio::test(start_paused = true)]
async fn periodic_builds_at_start_then_every_period_and_resumes_after_restart() {
    let start = TUESDAY + 10 * 3600;
    let env = Env::new(start).await;
    let periodic = env
        .timed("Periodic", "every10", &json!({"periodicBuildTimer": 600}))
        .await;
    // The first build is at once.
    let buildsets = env.buildsets_when(1).await;
    assert_eq!(buildsets.len(), 1);
    assert_eq!(
        buildsets[0].reason.as_deref(),
        Some("The Periodic scheduler named 'every10' triggered this build")
    );
    env.assert_one_request_each().await;
    assert_eq!(
        env.state("every10", "Periodic", "last_build").await,
        Some(json!(start))
    );

    env.advance_then(599, 1).await;
    env.advance_then(1, 2).await;
    assert_eq!(
        env.state("every10", "Periodic", "last_build").await,
        Some(json!(start + 600))
    );

    // Stopped for 5 minutes: a restart keeps the rhythm of the stored last build.
    periodic.stop().await;
    env.advance(300).await;
    let periodic = env
        .timed("Periodic", "every10", &json!({"periodicBuildTimer": 600}))
        .await;
    env.assert_buildsets(2).await;
    env.advance_then(299, 2).await;
    env.advance_then(1, 3).await;

    // Stopped past its time: it builds at once on restart, then every period from then.
    periodic.stop().await;
    env.advance(1000).await;
    let _periodic = env
        .timed("Periodic", "every10", &json!({"periodicBuildTimer": 600}))
        .await;
    env.assert_buildsets(4).await;
    assert_eq!(
        env.state("every10", "Periodic", "last_build").await,
        Some(json!(start + 2200))
    );
    env.advance_then(599, 4).await;
    env.advance_then(1, 5).await;
    env.assert_one_request_each().await;
}

#[tokio::test(start_paused = true)]
async fn nightly_fires_at_its_minute_not_before() {
    // 02:00 on a Tuesday; the scheduler builds at 03:00.
    let env = Env::new(TUESDAY + 2 * 3600).await;
    let _nightly = env
        .timed("Nightly", "at3", &json!({"hour": 3, "branch": "main"}))
        .await;
    env.assert_buildsets(0).await;
    env.advance_then(59 * MINUTE, 0).await;
    env.advance(MINUTE).await;
    let buildsets = env.buildsets_when(1).await;
    assert_eq!(buildsets.len(), 1);
    assert_eq!(
        buildsets[0].reason.as_deref(),
        Some("The Nightly scheduler named 'at3' triggered this build")
    );
    // Without changes, Buildbot's buildset has the default source stamp: `branch` only filters
    // changes.
    let ss = env.sourcestamp(&buildsets[0]).await;
    assert_eq!(
        (ss.branch, ss.revision, ss.codebase.as_str()),
        (None, None, "")
    );
    env.assert_one_request_each().await;
    assert_eq!(
        env.state("at3", "Nightly", "last_build").await,
        Some(json!(TUESDAY + 3 * 3600))
    );
    // Next day, same time.
    env.advance_then(DAY - MINUTE, 1).await;
    env.advance_then(MINUTE, 2).await;
}

#[tokio::test(start_paused = true)]
async fn nightly_minute_defaults_to_zero() {
    let env = Env::new(TUESDAY + 5 * MINUTE as i64).await;
    let _hourly = env.timed("Nightly", "hourly", &json!({})).await;
    env.advance_then(54 * MINUTE, 0).await;
    env.advance_then(MINUTE, 1).await;
    env.advance_then(59 * MINUTE, 1).await;
    env.advance_then(MINUTE, 2).await;
}

#[tokio::test(start_paused = true)]
async fn nightly_day_of_week_and_day_of_month() {
    // Tuesday 2026-11-24 00:00.
    let env = Env::new(TUESDAY).await;
    // Mondays (Buildbot counts Monday as 0) at 01:00, and the 1st of the month at 00:00.
    let _mondays = env
        .timed(
            "Nightly",
            "mondays",
            &json!({"dayOfWeek": 0, "hour": 1, "minute": 0}),
        )
        .await;
    let _monthly = env
        .timed(
            "Nightly",
            "monthly",
            &json!({"dayOfMonth": 1, "hour": 0, "minute": 0}),
        )
        .await;
    // Monday 2026-11-30 00:59: nothing yet.
    env.advance_then(6 * DAY + 59 * MINUTE, 0).await;
    env.advance(MINUTE).await;
    let buildsets = env.buildsets_when(1).await;
    assert_eq!(buildsets.len(), 1);
    assert_eq!(
        buildsets[0].reason.as_deref(),
        Some("The Nightly scheduler named 'mondays' triggered this build")
    );
    // Tuesday 2026-12-01 00:00: the monthly one.
    env.advance_then(23 * HOUR - MINUTE, 1).await;
    env.advance(MINUTE).await;
    let buildsets = env.buildsets_when(2).await;
    assert_eq!(buildsets.len(), 2);
    assert_eq!(
        buildsets[1].reason.as_deref(),
        Some("The Nightly scheduler named 'monthly' triggered this build")
    );
    // Nothing more until Monday 2026-12-07 01:00.
    env.advance_then(6 * DAY, 2).await;
    env.advance_then(HOUR, 3).await;
    env.assert_one_request_each().await;
}

#[tokio::test(start_paused = true)]
async fn nightly_only_if_changed_builds_for_important_changes_on_its_branch() {
    // 00:30; the scheduler builds at minute 0 of every hour.
    let env = Env::new(TUESDAY + 30 * MINUTE as i64).await;
    let args = json!({
        "onlyIfChanged": true,
        "branch": "main",
        "fileIsImportant": {"$python": 1},
    });
    let nightly = env.timed("Nightly", "hourly", &args).await;
    // A scheduler that never built builds at its first time, changes or not.
    env.advance_then(30 * MINUTE, 1).await;
    // 02:00: no changes, no buildset.
    env.advance_then(HOUR, 1).await;
    assert_eq!(
        env.state("hourly", "Nightly", "last_build").await,
        Some(json!(TUESDAY + 2 * 3600))
    );
    // An unimportant change on main, an important one on another branch: none at 03:00.
    env.advance(10 * MINUTE).await;
    let unimportant = env.change("main", "r1", &["README.txt"]).await;
    env.change("dev", "d1", &["src/lib.rs"]).await;
    assert_eq!(
        env.classified("hourly").await,
        BTreeMap::from([(unimportant, false)])
    );
    env.advance_then(50 * MINUTE, 1).await;
    // An important change on main: one buildset at 04:00, with that change's source stamp.
    env.advance(10 * MINUTE).await;
    let important = env.change("main", "r2", &["src/lib.rs"]).await;
    env.advance_then(49 * MINUTE, 1).await;
    env.advance(MINUTE).await;
    env.assert_built(2, important).await;
    let ss = env.sourcestamp(&env.buildsets().await[1]).await;
    assert_eq!(
        (ss.branch.as_deref(), ss.revision.as_deref()),
        (Some("main"), Some("r2"))
    );
    // Both changes on main went with it, and are forgotten...
    assert!(env.classified("hourly").await.is_empty());
    // ... so nothing at 05:00.
    env.advance_then(HOUR, 2).await;
    env.assert_one_request_each().await;

    // A change recorded before a restart still counts after it.
    env.advance(10 * MINUTE).await;
    let before_restart = env.change("main", "r3", &["src/main.rs"]).await;
    nightly.stop().await;
    env.advance(10 * MINUTE).await;
    let _nightly = env.timed("Nightly", "hourly", &args).await;
    env.assert_buildsets(2).await;
    env.advance(40 * MINUTE).await;
    env.assert_built(3, before_restart).await;
}

#[tokio::test(start_paused = true)]
async fn nightly_create_absolute_source_stamps_builds_the_last_change_seen() {
    let env = Env::new(TUESDAY + 30 * MINUTE as i64).await;
    let _nightly = env
        .timed(
            "Nightly",
            "abs",
            &json!({"createAbsoluteSourceStamps": true, "branch": "main"}),
        )
        .await;
    env.change("main", "r1", &["a.c"]).await;
    env.change("main", "r2", &["b.c"]).await;
    env.change("dev", "d1", &["c.c"]).await;
    env.advance(30 * MINUTE).await;
    // 01:00: the changes' build.
    let buildsets = env.buildsets_when(1).await;
    assert_eq!(buildsets.len(), 1);
    assert_eq!(
        env.sourcestamp(&buildsets[0]).await.revision.as_deref(),
        Some("r2")
    );
    // 02:00, no new change: still the last revision seen, not a bare source stamp.
    env.advance(HOUR).await;
    let buildsets = env.buildsets_when(2).await;
    assert_eq!(buildsets.len(), 2);
    let ss = env.sourcestamp(&buildsets[1]).await;
    assert_eq!(
        (ss.branch.as_deref(), ss.revision.as_deref()),
        (Some("main"), Some("r2"))
    );
}

#[tokio::test(start_paused = true)]
async fn nightly_codebases_give_the_source_stamps_of_codebases_without_changes() {
    let env = Env::new(TUESDAY + 30 * MINUTE as i64).await;
    let codebases = json!({
        "app": {"repository": "https://example.org/app.git", "branch": "main"},
        "lib": {"repository": "https://example.org/lib.git", "branch": "stable", "revision": "v1"},
    });
    let _nightly = env
        .timed(
            "Nightly",
            "cb",
            &json!({"onlyIfChanged": true, "codebases": codebases}),
        )
        .await;
    // 01:00, first build: each codebase's default.
    env.advance_then(30 * MINUTE, 1).await;
    let stamps = |bs: BuildSetModel| {
        let env = &env;
        async move {
            let mut stamps = Vec::new();
            for ssid in bs.sourcestamps {
                let ss = env.db.get_sourcestamp(ssid).await.unwrap();
                stamps.push((ss.codebase, ss.repository, ss.branch, ss.revision));
            }
            stamps.sort();
            stamps
        }
    };
    let stamp = |cb: &str, repo: &str, branch: &str, revision: Option<&str>| {
        (
            cb.to_owned(),
            format!("https://example.org/{repo}.git"),
            Some(branch.to_owned()),
            revision.map(str::to_owned),
        )
    };
    assert_eq!(
        stamps(env.buildsets().await.remove(0)).await,
        vec![
            stamp("app", "app", "main", None),
            stamp("lib", "lib", "stable", Some("v1"))
        ]
    );
    // A change in app: app's stamp is the change's, lib keeps its default.
    let change = env
        .updates
        .add_change(NewChange {
            revision: Some("a1".to_owned()),
            branch: Some("main".to_owned()),
            repository: "https://example.org/app.git".to_owned(),
            codebase: "app".to_owned(),
            files: vec!["src/app.c".to_owned()],
            ..NewChange::default()
        })
        .await
        .unwrap();
    env.settle().await;
    env.advance_then(HOUR, 2).await;
    let bs = env.buildsets().await.remove(1);
    let app = env.db.get_change(change).await.unwrap().sourcestampid;
    assert!(bs.sourcestamps.contains(&app), "{bs:?}");
    assert_eq!(
        stamps(bs).await,
        vec![
            stamp("app", "app", "main", Some("a1")),
            stamp("lib", "lib", "stable", Some("v1"))
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn single_branch_tree_stable_timer_restarts_with_each_change() {
    let env = Env::new(TUESDAY).await;
    let _sbs = env
        .branch(
            "SingleBranchScheduler",
            "main",
            &json!({"branch": "main", "treeStableTimer": 60}),
        )
        .await;
    env.change("main", "r1", &["a.c"]).await;
    env.change("other", "o1", &["a.c"]).await;
    env.advance_then(50, 0).await;
    // A second change within the timer restarts it.
    let second = env.change("main", "r2", &["b.c"]).await;
    env.advance_then(50, 0).await;
    env.advance_then(9, 0).await;
    env.advance(1).await;
    env.assert_built(1, second).await;
    env.assert_one_request_each().await;
    // Nothing more comes of it, nor of the other branch.
    env.advance_then(3600, 1).await;
}

#[tokio::test(start_paused = true)]
async fn single_branch_unimportant_change_does_not_start_the_timer() {
    let env = Env::new(TUESDAY).await;
    let _sbs = env
        .branch(
            "SingleBranchScheduler",
            "main",
            &json!({"branch": "main", "treeStableTimer": 60, "fileIsImportant": {"$python": 1}}),
        )
        .await;
    env.change("main", "r1", &["notes.txt"]).await;
    env.advance_then(600, 0).await;
    // An important one does, and the unimportant one rides along.
    let important = env.change("main", "r2", &["src/lib.rs"]).await;
    env.advance_then(59, 0).await;
    env.advance(1).await;
    env.assert_built(1, important).await;
}

#[tokio::test(start_paused = true)]
async fn any_branch_waits_and_builds_per_branch() {
    let env = Env::new(TUESDAY).await;
    let _abs = env
        .branch("AnyBranchScheduler", "any", &json!({"treeStableTimer": 60}))
        .await;
    let a = env.change("a", "a1", &["x.c"]).await;
    env.advance(30).await;
    let b = env.change("b", "b1", &["x.c"]).await;
    env.advance_then(29, 0).await;
    // Branch a's timer ends at 60, branch b's at 90.
    env.advance(1).await;
    env.assert_built(1, a).await;
    env.advance_then(29, 1).await;
    env.advance(1).await;
    env.assert_built(2, b).await;
    env.assert_one_request_each().await;
}

#[tokio::test(start_paused = true)]
async fn tree_stable_changes_wait_again_after_a_restart() {
    let env = Env::new(TUESDAY).await;
    let args = json!({"branch": "main", "treeStableTimer": 60});
    let sbs = env.branch("SingleBranchScheduler", "main", &args).await;
    let change = env.change("main", "r1", &["a.c"]).await;
    assert_eq!(
        env.classified("main").await,
        BTreeMap::from([(change, true)])
    );
    env.advance_then(30, 0).await;
    sbs.stop().await;
    // Down past the timer: nothing is built meanwhile; after the restart the change waits its
    // timer again, from the restart.
    env.advance_then(100, 0).await;
    let _sbs = env.branch("SingleBranchScheduler", "main", &args).await;
    env.advance_then(59, 0).await;
    env.advance(1).await;
    env.assert_built(1, change).await;
    assert!(env.classified("main").await.is_empty());
    env.advance_then(3600, 1).await;
}

/// The distributor with the requests of a `Periodic` scheduler and no worker connected: no
/// build starts; an older request is collapsed (completed SKIPPED) into the newer one, which
/// stays unclaimed.
#[tokio::test(start_paused = true)]
async fn distributor_without_a_worker_starts_no_build() {
    use oxbot_core::config::{BuilderConfig, MasterConfig, WorkerConfig};
    use oxbot_master::process::botmaster::BotMaster;
    use oxbot_master::worker::manager::WorkerManager;

    let env = Env::new(TUESDAY).await;
    let config = Arc::new(MasterConfig {
        workers: vec![WorkerConfig {
            name: "w1".to_owned(),
            password: "pass".to_owned(),
            max_builds: None,
            properties: serde_json::Map::new(),
            unsupported_kind: None,
        }],
        builders: vec![BuilderConfig {
            name: "b1".to_owned(),
            workernames: vec!["w1".to_owned()],
            builddir: "b1".to_owned(),
            workerbuilddir: "b1".to_owned(),
            tags: Vec::new(),
            description: None,
            project: None,
            properties: serde_json::Map::new(),
            default_properties: serde_json::Map::new(),
            env: serde_json::Map::new(),
            collapse_requests: None,
            next_worker: None,
            next_build: None,
            can_start_build: None,
            locks: Vec::new(),
            factory: oxbot_core::config::BuildFactory::default(),
        }],
        ..MasterConfig::default()
    });
    let workerid = env.db.find_worker_id("w1").await.unwrap();
    let workers = WorkerManager::new();
    workers.configure(
        &config,
        &std::collections::HashMap::from([("w1".to_owned(), workerid)]),
    );
    let botmaster = BotMaster::new(
        env.db.clone(),
        env.updates.clone(),
        workers,
        config.clone(),
        None,
    );
    botmaster.set_builders(config, env.builderids.clone());
    let (stop, stopped) = stopper();
    let distributor = tokio::spawn({
        let botmaster = botmaster.clone();
        async move { botmaster.run(stopped).await }
    });
    let _periodic = env
        .timed("Periodic", "every10", &json!({"periodicBuildTimer": 600}))
        .await;
    env.assert_one_request_each().await;
    // The distributor looks again every 10 seconds: still nothing to start.
    env.advance_then(595, 1).await;
    env.assert_one_request_each().await;
    assert!(env.db.get_builds().await.unwrap().is_empty());

    env.advance_then(5, 2).await;
    // The distributor collapses on the new request's event: give it real time too.
    let mut requests = env.requests().await;
    for _ in 0..300 {
        if requests.first().is_some_and(|r| r.complete) {
            break;
        }
        env.settle().await;
        requests = env.requests().await;
    }
    assert_eq!(requests.len(), 2);
    let (older, newer) = (&requests[0], &requests[1]);
    assert!(older.complete && older.results == oxbot_core::Results::Skipped.code());
    assert!(!newer.claimed && !newer.complete, "{newer:?}");
    env.advance(60).await;
    assert!(env.db.get_builds().await.unwrap().is_empty());
    assert!(!env.requests().await[1].claimed);

    stop.send(true).unwrap();
    distributor.await.unwrap();
}
