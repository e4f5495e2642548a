//! One story through every table family, run on SQLite and on PostgreSQL (a scratch database
//! on 127.0.0.1:5432 when reachable; `OXBOT_REQUIRE_POSTGRES=1` makes its absence a failure).

use std::collections::BTreeMap;

use oxbot_db::{
    BuildFilter, BuildRequestFilter, BuilderRegistration, ClaimFilter, ClaimedFilter, Db, DbError,
    NewBuildset, NewChange, NewPatch, NewSourceStamp, WorkerFilter,
};
use serde_json::json;

async fn story(db: &Db) {
    db.upgrade().await.unwrap();
    assert!(!db.needs_upgrade().await.unwrap());

    let masterid = db.find_master_id("host:/m").await.unwrap();
    assert_eq!(db.find_master_id("host:/m").await.unwrap(), masterid);
    db.set_master_state(masterid, true).await.unwrap();
    assert!(db.get_master(masterid).await.unwrap().active);

    let builderid = db.find_builder_id("runtests").await.unwrap();
    let projectid = db.find_project_id("demo project").await.unwrap();
    db.update_builder_info(
        builderid,
        Some("desc"),
        None,
        None,
        Some(projectid),
        &["a".into(), "b".into()],
    )
    .await
    .unwrap();
    db.add_builder_master(builderid, masterid).await.unwrap();
    db.add_builder_master(builderid, masterid).await.unwrap();
    let builder = db.get_builder(builderid).await.unwrap();
    assert_eq!(
        (builder.masterids.clone(), builder.tags.clone()),
        (vec![masterid], vec!["a".to_owned(), "b".to_owned()])
    );
    assert_eq!(db.get_projects().await.unwrap()[0].slug, "demo project");

    let workerid = db.find_worker_id("w1").await.unwrap();
    db.worker_configured(workerid, masterid, &[builderid])
        .await
        .unwrap();
    db.worker_connected(workerid, masterid, &json!({"admin": "me"}))
        .await
        .unwrap();
    let worker = db.get_worker(workerid).await.unwrap();
    assert_eq!(worker.connected_to, vec![masterid]);
    assert_eq!(worker.configured_on, vec![(builderid, masterid)]);
    assert_eq!(worker.workerinfo["admin"], "me");

    let schedulerid = db.find_scheduler_id("force").await.unwrap();
    db.set_scheduler_master(schedulerid, Some(masterid))
        .await
        .unwrap();
    assert_eq!(
        db.get_schedulers().await.unwrap()[0].masterid,
        Some(masterid)
    );

    let ss = NewSourceStamp {
        branch: Some("main".into()),
        ..NewSourceStamp::default()
    };
    let ssid = db.find_sourcestamp_id(&ss).await.unwrap();
    assert_eq!(db.find_sourcestamp_id(&ss).await.unwrap(), ssid);

    let (bsid, brids) = db
        .add_buildset(&NewBuildset {
            sourcestamp_ids: vec![ssid],
            reason: "forced".into(),
            properties: vec![("owner".into(), json!("me"), "Force Build Form".into())],
            builderids: vec![builderid],
            submitted_at: 100,
            ..NewBuildset::default()
        })
        .await
        .unwrap();
    let brid = brids[&builderid];
    assert_eq!(
        db.get_buildset_properties(bsid).await.unwrap()["owner"],
        (json!("me"), "Force Build Form".to_owned())
    );
    assert_eq!(
        db.get_sourcestamps_for_buildset(bsid).await.unwrap()[0]
            .branch
            .as_deref(),
        Some("main")
    );
    assert_eq!(
        db.unclaimed_build_requests(builderid).await.unwrap().len(),
        1
    );
    // The distributor's first requests of a builder: by priority, then age; the age of the
    // oldest of them all comes along.
    let queued = db.find_builder_id("queued").await.unwrap();
    let mut by_time = BTreeMap::new();
    let mut queued_sets = Vec::new();
    for (submitted_at, priority) in [(300, 0), (200, 0), (350, 5), (250, 0)] {
        let (queued_set, ids) = db
            .add_buildset(&NewBuildset {
                sourcestamp_ids: vec![ssid],
                builderids: vec![queued],
                submitted_at,
                priority,
                ..NewBuildset::default()
            })
            .await
            .unwrap();
        by_time.insert(submitted_at, ids[&queued]);
        queued_sets.push(queued_set);
    }
    let (first, oldest) = db.first_unclaimed_build_requests(queued, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.buildrequestid).collect::<Vec<_>>(),
        vec![by_time[&350], by_time[&200]]
    );
    assert_eq!(oldest, Some(200));
    for queued_set in queued_sets {
        db.complete_buildset(queued_set, 0, 400).await.unwrap();
    }
    assert_eq!(
        db.first_unclaimed_build_requests(builderid, 5)
            .await
            .unwrap(),
        (
            db.unclaimed_build_requests(builderid).await.unwrap(),
            Some(100)
        )
    );
    db.claim_build_requests(&[brid], masterid).await.unwrap();
    assert!(matches!(
        db.claim_build_requests(&[brid], masterid).await,
        Err(DbError::Conflict(_))
    ));
    assert_eq!(
        db.first_unclaimed_build_requests(builderid, 5)
            .await
            .unwrap(),
        (Vec::new(), None)
    );
    assert!(
        db.unclaimed_build_requests(builderid)
            .await
            .unwrap()
            .is_empty()
    );
    let request = db.get_build_request(brid).await.unwrap();
    assert!(request.claimed && !request.complete && request.results == -1);

    let build = db
        .add_build(builderid, brid, workerid, masterid, "created")
        .await
        .unwrap();
    let buildid = build.id;
    assert_eq!((build.number, build.state_string.as_str()), (1, "created"));
    db.set_build_property(buildid, "branch", &json!("main"), "Build")
        .await
        .unwrap();
    db.set_build_property(buildid, "branch", &json!("dev"), "Build")
        .await
        .unwrap();
    assert_eq!(
        db.get_build_properties(buildid).await.unwrap()["branch"].0,
        json!("dev")
    );

    let step = db.add_step(buildid, "shell", "pending").await.unwrap();
    let stepid = step.id;
    assert_eq!((step.number, step.name.as_str()), (0, "shell"));
    let second = db.add_step(buildid, "shell", "pending").await.unwrap();
    assert_eq!((second.number, second.name.as_str()), (1, "shell_1"));
    db.start_step(stepid, 10, true).await.unwrap();
    db.add_step_url(stepid, "report", "http://example.invalid/")
        .await
        .unwrap();

    let logid = db.add_log(stepid, "stdio", "stdio", "s").await.unwrap().id;
    db.append_log(logid, "hfirst\nosecond\n").await.unwrap();
    db.append_log(logid, "ethird\n").await.unwrap();
    db.finish_log(logid).await.unwrap();
    let log = db.get_log(logid).await.unwrap();
    assert_eq!((log.num_lines, log.complete), (3, true));
    assert_eq!(
        db.get_log_lines(logid, 0, 2).await.unwrap(),
        "hfirst\nosecond\nethird\n"
    );
    assert_eq!(db.get_log_lines(logid, 1, 1).await.unwrap(), "osecond\n");

    db.set_step_state_string(stepid, "done").await.unwrap();
    db.finish_step(stepid, 0, false, None).await.unwrap();
    let step = db.get_step(stepid).await.unwrap();
    assert_eq!(
        (
            step.results,
            step.locks_acquired_at,
            step.urls[0]["name"].clone(),
            step.state_string.as_str()
        ),
        (Some(0), Some(10), json!("report"), "done")
    );

    // Added and started in one statement: numbered after the others, named apart from them.
    let third = db
        .add_started_step(buildid, "shell", "pending", 20, false)
        .await
        .unwrap();
    assert_eq!(
        (
            third.number,
            third.name.as_str(),
            third.started_at,
            third.locks_acquired_at
        ),
        (2, "shell_2", Some(20), None)
    );
    let running = db
        .set_step_running_without_locks(third.id, "running", 30)
        .await
        .unwrap();
    assert_eq!(
        (running.locks_acquired_at, running.state_string.as_str()),
        (Some(20), "running")
    );
    let finished = db
        .finish_step(third.id, 2, true, Some("failed"))
        .await
        .unwrap();
    assert_eq!(
        (
            finished.results,
            finished.hidden,
            finished.state_string.as_str()
        ),
        (Some(2), true, "failed")
    );
    let fourth = db
        .add_started_step(buildid, "upload", "pending", 40, true)
        .await
        .unwrap();
    assert_eq!(
        (
            fourth.number,
            fourth.name.as_str(),
            fourth.locks_acquired_at
        ),
        (3, "upload", Some(40))
    );

    db.set_build_state_string(buildid, "building")
        .await
        .unwrap();
    db.finish_build(buildid, 0, Some("build successful"))
        .await
        .unwrap();
    db.complete_build_requests(&[brid], 0, 200).await.unwrap();
    db.complete_buildset(bsid, 0, 200).await.unwrap();
    assert!(db.get_buildset(bsid).await.unwrap().complete);
    let build = db.get_build_by_number(builderid, 1).await.unwrap();
    assert_eq!(
        (build.results, build.state_string.as_str()),
        (Some(0), "build successful")
    );

    db.set_master_state(masterid, false).await.unwrap();
    assert!(
        db.get_worker(workerid)
            .await
            .unwrap()
            .connected_to
            .is_empty()
    );
    more(db).await;
    registration(db).await;
}

/// The functions the first story does not reach, each checked against Buildbot's semantics.
async fn more(db: &Db) {
    // Two masters; the second vanishes while building, and the first expires it.
    let m1 = db.find_master_id("one:/m").await.unwrap();
    let m2 = db.find_master_id("two:/m").await.unwrap();
    assert!(db.set_master_state(m1, true).await.unwrap());
    assert!(!db.set_master_state(m1, true).await.unwrap());
    db.set_master_state(m2, true).await.unwrap();
    let b1 = db.find_builder_id("b1").await.unwrap();
    let b2 = db.find_builder_id("b2").await.unwrap();
    db.add_builder_master(b1, m1).await.unwrap();
    db.add_builder_master(b1, m2).await.unwrap();
    db.add_builder_master(b2, m2).await.unwrap();
    let ids = |bs: Vec<oxbot_db::BuilderModel>| bs.iter().map(|b| b.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db.get_builders_where(Some(m1), None, None).await.unwrap()),
        vec![b1]
    );
    assert_eq!(
        db.get_builders_where(Some(m1), None, None).await.unwrap()[0].masterids,
        vec![m1, m2]
    );
    let project = db.find_project_id("proj").await.unwrap();
    db.update_project_info(project, "p", Some("d"), None, None)
        .await
        .unwrap();
    db.update_builder_info(b2, None, None, None, Some(project), &[])
        .await
        .unwrap();
    assert_eq!(
        ids(db
            .get_builders_where(None, Some(project), None)
            .await
            .unwrap()),
        vec![b2]
    );
    assert_eq!(db.get_project(project).await.unwrap().slug, "p");
    assert_eq!(db.get_active_projects().await.unwrap()[0].id, project);

    let w = db.find_worker_id("w2").await.unwrap();
    db.worker_configured(w, m2, &[b1, b2]).await.unwrap();
    db.worker_configured(w, m2, &[b2]).await.unwrap();
    db.worker_configured(w, m1, &[b1]).await.unwrap();
    assert_eq!(
        db.get_worker_by_name("w2").await.unwrap().configured_on,
        vec![(b1, m1), (b2, m2)]
    );
    assert_eq!(
        ids(db.get_builders_where(None, None, Some(w)).await.unwrap()),
        vec![b1, b2]
    );
    db.worker_connected(w, m2, &json!({})).await.unwrap();
    let on_m1 = db
        .get_workers_where(&WorkerFilter {
            masterid: Some(m1),
            ..WorkerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (on_m1.len(), on_m1[0].configured_on.clone()),
        (1, vec![(b1, m1)])
    );
    assert!(on_m1[0].connected_to.is_empty());
    db.set_worker_paused(w, true, Some("busy")).await.unwrap();
    db.set_worker_graceful(w, true).await.unwrap();
    let paused = db
        .get_workers_where(&WorkerFilter {
            paused: Some(true),
            graceful: Some(true),
            ..WorkerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(paused[0].pause_reason.as_deref(), Some("busy"));

    // Schedulers and change sources run on one master at a time.
    let sched = db.find_scheduler_id("nightly").await.unwrap();
    db.set_scheduler_master(sched, Some(m2)).await.unwrap();
    db.set_scheduler_master(sched, Some(m2)).await.unwrap();
    assert!(matches!(
        db.set_scheduler_master(sched, Some(m1)).await,
        Err(DbError::Conflict(msg)) if msg == "already claimed by two:/m"
    ));
    db.enable_scheduler(sched, false).await.unwrap();
    assert!(!db.get_scheduler(sched).await.unwrap().enabled);
    let cs = db.find_change_source_id("poller").await.unwrap();
    assert_eq!(db.find_change_source_id("poller").await.unwrap(), cs);
    db.set_change_source_master(cs, Some(m2)).await.unwrap();
    assert!(matches!(
        db.set_change_source_master(cs, Some(m1)).await,
        Err(DbError::Conflict(_))
    ));
    let active = ClaimFilter {
        active: Some(true),
        masterid: None,
    };
    assert_eq!(
        db.get_change_sources(active).await.unwrap()[0].masterid,
        Some(m2)
    );
    assert_eq!(
        db.get_schedulers_where(ClaimFilter {
            active: Some(false),
            masterid: Some(m2)
        })
        .await
        .unwrap(),
        vec![]
    );

    // Changes, their parents, classifications, and a patched source stamp.
    let change = |revision: &str| NewChange {
        author: "me".into(),
        files: vec!["a.txt".into()],
        comments: format!("commit {revision}"),
        revision: Some(revision.into()),
        when_timestamp: 1000,
        branch: Some("main".into()),
        repository: "repo".into(),
        properties: BTreeMap::from([("k".to_owned(), json!(1))]),
        ..NewChange::default()
    };
    let c1 = db.add_change(&change("r1")).await.unwrap();
    let c2 = db.add_change(&change("r2")).await.unwrap();
    let c3 = db.add_change(&change("r3")).await.unwrap();
    let ch3 = db.get_change(c3).await.unwrap();
    assert_eq!(ch3.parent_changeids, vec![c2]);
    assert_eq!(ch3.properties["k"], (json!(1), "Change".to_owned()));
    db.classify_changes(sched, &BTreeMap::from([(c1, true), (c2, false)]))
        .await
        .unwrap();
    db.classify_changes(sched, &BTreeMap::from([(c2, true)]))
        .await
        .unwrap();
    assert_eq!(
        db.get_change_classifications(sched).await.unwrap(),
        BTreeMap::from([(c1, true), (c2, true)])
    );
    db.flush_change_classifications(sched, Some(c2))
        .await
        .unwrap();
    assert_eq!(
        db.get_change_classifications(sched).await.unwrap(),
        BTreeMap::from([(c2, true)])
    );
    let patched = NewSourceStamp {
        repository: "repo".into(),
        patch: Some(NewPatch {
            body: b"--- a\n+++ b\n".to_vec(),
            level: 1,
            ..NewPatch::default()
        }),
        ..NewSourceStamp::default()
    };
    let p1 = db.find_sourcestamp_id(&patched).await.unwrap();
    assert_ne!(db.find_sourcestamp_id(&patched).await.unwrap(), p1);
    let ss = db.get_sourcestamp(p1).await.unwrap();
    assert_eq!(ss.patch.unwrap().body, b"--- a\n+++ b\n");

    // Builds for changes r1 then r3 on m2: r3's build lists r3 and r2, not r1.
    let mut builds = Vec::new();
    for changeid in [c1, c3] {
        let ssid = db.get_change(changeid).await.unwrap().sourcestampid;
        let (bsid, brids) = db
            .add_buildset(&NewBuildset {
                sourcestamp_ids: vec![ssid],
                reason: "change".into(),
                builderids: vec![b2],
                submitted_at: 10,
                ..NewBuildset::default()
            })
            .await
            .unwrap();
        assert_eq!(
            db.get_changes_for_buildset(bsid).await.unwrap()[0].changeid,
            changeid
        );
        let brid = brids[&b2];
        db.claim_build_requests_at(&[brid], m2, 11).await.unwrap();
        let buildid = db.add_build(b2, brid, w, m2, "building").await.unwrap().id;
        builds.push((buildid, brid));
    }
    db.finish_build(builds[0].0, 0, None).await.unwrap();
    db.complete_build_requests(&[builds[0].1], 0, 20)
        .await
        .unwrap();
    assert!(matches!(
        db.complete_build_requests(&[builds[0].1], 0, 20).await,
        Err(DbError::Conflict(_))
    ));
    let for_build: Vec<i64> = db
        .get_changes_for_build(builds[1].0)
        .await
        .unwrap()
        .iter()
        .map(|c| c.changeid)
        .collect();
    assert_eq!(for_build, vec![c3, c2]);
    assert_eq!(
        db.get_builds_for_change(c3).await.unwrap()[0].id,
        builds[1].0
    );
    let claimed = db
        .get_build_requests_where(&BuildRequestFilter {
            claimed: Some(ClaimedFilter::ByMaster(m2)),
            complete: Some(false),
            branch: Some("main".into()),
            ..BuildRequestFilter::default()
        })
        .await
        .unwrap();
    assert_eq!((claimed.len(), claimed[0].claimed_at), (1, Some(11)));

    // A running step with an open log, then m2 goes silent and m1 expires it.
    let stepid = db
        .add_step(builds[1].0, "compile", "running")
        .await
        .unwrap()
        .id;
    db.add_log(stepid, "stdio", "stdio", "s").await.unwrap();
    assert!(matches!(
        db.add_log(stepid, "stdio", "stdio", "s").await,
        Err(DbError::Conflict(_))
    ));
    assert_eq!(
        db.get_step_by_name(builds[1].0, "compile")
            .await
            .unwrap()
            .id,
        stepid
    );
    assert_eq!(
        db.get_step_by_number(builds[1].0, 0).await.unwrap().id,
        stepid
    );
    let later = oxbot_db::now() + oxbot_db::EXPIRE_SECONDS + 60;
    db.set_master_state(m1, true).await.unwrap();
    let expired = db.expire_masters(later, false).await.unwrap();
    let m2_done = expired.iter().find(|h| h.masterid == m2).unwrap();
    assert!(m2_done.deactivated);
    assert_eq!(m2_done.finished_buildids, vec![builds[1].0]);
    assert_eq!(m2_done.unclaimed_brids, vec![builds[1].1]);
    assert_eq!(m2_done.disconnected_workerids, vec![w]);
    assert_eq!(db.get_build(builds[1].0).await.unwrap().results, Some(4));
    assert_eq!(db.get_step(stepid).await.unwrap().results, Some(4));
    assert!(db.get_logs(stepid).await.unwrap()[0].complete);
    assert!(!db.get_master(m2).await.unwrap().active);
    assert!(db.get_scheduler(sched).await.unwrap().masterid.is_none());
    assert!(db.get_change_source(cs).await.unwrap().masterid.is_none());
    assert!(db.get_builder(b2).await.unwrap().masterids.is_empty());
    // The completed request keeps its claim; the unfinished one is free again.
    assert_eq!(
        db.get_build_request(builds[0].1)
            .await
            .unwrap()
            .claimed_by_masterid,
        Some(m2)
    );
    assert!(!db.get_build_request(builds[1].1).await.unwrap().claimed);
    let incomplete = db
        .get_builds_where(&BuildFilter {
            builderid: Some(b2),
            complete: Some(false),
            ..BuildFilter::default()
        })
        .await
        .unwrap();
    assert!(incomplete.is_empty());
    assert_eq!(db.get_buildsets_where(Some(false)).await.unwrap().len(), 2);
}

/// A master registering its builders at start and again on reconfig.
async fn registration(db: &Db) {
    let masterid = db.find_master_id("host:/registering").await.unwrap();
    let projectid = db.find_project_id("registered").await.unwrap();
    let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let (t1, t2, none) = (tags(&["x", "y"]), tags(&["y", "new"]), tags(&[]));
    let reg = |name, description, projectid, tags| BuilderRegistration {
        name,
        description,
        projectid,
        tags,
    };
    let first = db
        .register_builders(
            masterid,
            &[
                reg("r1", Some("one"), Some(projectid), &t1),
                reg("r2", None, None, &none),
            ],
        )
        .await
        .unwrap();
    let r1 = db.get_builder(first[0]).await.unwrap();
    assert_eq!(
        (
            r1.name.as_str(),
            r1.description.as_deref(),
            r1.projectid,
            r1.tags.clone()
        ),
        ("r1", Some("one"), Some(projectid), t1.clone())
    );
    assert_eq!(r1.masterids, vec![masterid]);
    // Reconfig: r1 changes, r2 goes, r3 comes; ids are kept.
    let second = db
        .register_builders(
            masterid,
            &[reg("r3", None, None, &none), reg("r1", None, None, &t2)],
        )
        .await
        .unwrap();
    assert_eq!(second[1], first[0]);
    let r1 = db.get_builder(first[0]).await.unwrap();
    assert_eq!((r1.description, r1.projectid, r1.tags), (None, None, t2));
    assert!(db.get_builder(first[1]).await.unwrap().masterids.is_empty());
    assert_eq!(
        db.get_builder(second[0]).await.unwrap().masterids,
        vec![masterid]
    );
}

#[tokio::test]
async fn story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect("sqlite:///state.sqlite", dir.path())
        .await
        .unwrap();
    assert!(db.needs_upgrade().await.unwrap());
    story(&db).await;
}

#[tokio::test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
async fn story_on_postgres() {
    let Some(scratch) = oxbot_db::testing::ScratchPostgres::create("oxbot_test").await else {
        eprintln!("skipped: PostgreSQL not reachable at 127.0.0.1:5432");
        return;
    };
    story(&scratch.db).await;
    scratch.remove().await;
}
