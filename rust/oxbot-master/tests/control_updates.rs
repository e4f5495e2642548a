//! The data-layer updates behind the control actions, against an in-memory SQLite database:
//! what each writes and which events it publishes, in order.

use std::collections::BTreeMap;

use oxbot_db::{Db, NewBuildset};
use oxbot_master::data::updates::Updates;
use oxbot_master::mq::{Event, Mq, Subscription};
use serde_json::Value;

async fn setup() -> (Db, Updates, Subscription, i64) {
    let db = Db::connect("sqlite://", &std::env::temp_dir())
        .await
        .unwrap();
    db.upgrade().await.unwrap();
    let masterid = db.find_master_id("test:/master").await.unwrap();
    let mq = Mq::new();
    let events = mq.subscribe_all();
    (db.clone(), Updates::new(db, mq, masterid), events, masterid)
}

/// A buildset with one request per builder.
async fn buildset(updates: &Updates, builderids: Vec<i64>) -> (i64, BTreeMap<i64, i64>) {
    updates
        .add_buildset(NewBuildset {
            reason: "test".into(),
            builderids,
            ..NewBuildset::default()
        })
        .await
        .unwrap()
}

/// The events published so far (the queue is drained without waiting for more).
async fn drain(events: &mut Subscription) -> Vec<Event> {
    let mut seen = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(std::time::Duration::from_millis(50), events.next()).await
    {
        seen.push(event);
    }
    seen
}

fn keys(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.routing_key.join("/")).collect()
}

#[tokio::test]
async fn cancel_completes_an_unclaimed_request_and_its_buildset() {
    let (db, updates, mut events, masterid) = setup().await;
    let b1 = db.find_builder_id("one").await.unwrap();
    let b2 = db.find_builder_id("two").await.unwrap();
    let (bsid, brids) = buildset(&updates, vec![b1, b2]).await;
    drain(&mut events).await;

    assert!(
        updates
            .cancel_unclaimed_build_request(brids[&b1])
            .await
            .unwrap()
    );
    let seen = drain(&mut events).await;
    let brid = brids[&b1];
    assert_eq!(
        keys(&seen),
        [
            format!("buildsets/{bsid}/builders/{b1}/buildrequests/{brid}/complete"),
            format!("buildrequests/{brid}/complete"),
            format!("builders/{b1}/buildrequests/{brid}/complete"),
            format!("buildrequests/{brid}/cancel"),
        ]
    );
    // The full request (Buildbot 4.3 sends null), complete and CANCELLED.
    let cancel = &seen[3].body;
    assert_eq!(cancel["buildrequestid"], brid);
    assert_eq!(cancel["results"], 6);
    assert_eq!(cancel["complete"], true);
    assert_eq!(cancel["claimed_by_masterid"], masterid);
    // The other request is pending: the buildset is not complete yet.
    assert!(!db.get_buildset(bsid).await.unwrap().complete);

    // A claimed request (a build has it) is left to the botmaster.
    let other = brids[&b2];
    db.claim_build_requests(&[other], masterid).await.unwrap();
    assert!(!updates.cancel_unclaimed_build_request(other).await.unwrap());
    assert!(drain(&mut events).await.is_empty());
    assert!(!db.get_build_request(other).await.unwrap().complete);

    // Its build ends cancelled: the buildset completes with the worst results.
    updates
        .complete_build_request(other, bsid, oxbot_core::Results::Success)
        .await
        .unwrap();
    let buildset = db.get_buildset(bsid).await.unwrap();
    assert_eq!((buildset.complete, buildset.results), (true, Some(6)));
    assert_eq!(
        keys(&drain(&mut events).await).last().unwrap(),
        &format!("buildsets/{bsid}/complete")
    );
}

#[tokio::test]
async fn cancelling_the_last_request_completes_the_buildset() {
    let (db, updates, mut events, _) = setup().await;
    let b1 = db.find_builder_id("one").await.unwrap();
    let (bsid, brids) = buildset(&updates, vec![b1]).await;
    drain(&mut events).await;
    assert!(
        updates
            .cancel_unclaimed_build_request(brids[&b1])
            .await
            .unwrap()
    );
    let seen = keys(&drain(&mut events).await);
    assert!(
        seen.contains(&format!("buildsets/{bsid}/complete")),
        "{seen:?}"
    );
    let buildset = db.get_buildset(bsid).await.unwrap();
    assert_eq!((buildset.complete, buildset.results), (true, Some(6)));
    // Already complete (and claimed by the cancel): not cancelled again.
    assert!(
        !updates
            .cancel_unclaimed_build_request(brids[&b1])
            .await
            .unwrap()
    );
    assert!(drain(&mut events).await.is_empty());
}

#[tokio::test]
async fn priority_worker_state_and_scheduler_enable() {
    let (db, updates, mut events, masterid) = setup().await;
    let b1 = db.find_builder_id("one").await.unwrap();
    let (_, brids) = buildset(&updates, vec![b1]).await;
    assert_eq!(
        updates
            .set_build_requests_priority(&[brids[&b1]], 9)
            .await
            .unwrap(),
        1
    );
    assert_eq!(db.get_build_request(brids[&b1]).await.unwrap().priority, 9);
    drain(&mut events).await;

    let w = db.find_worker_id("w1").await.unwrap();
    updates
        .set_worker_paused(w, true, Some("maintenance"))
        .await
        .unwrap();
    updates.set_worker_graceful(w, true).await.unwrap();
    let seen = drain(&mut events).await;
    assert_eq!(
        keys(&seen),
        [
            format!("workers/{w}/state_updated"),
            format!("workers/{w}/state_updated")
        ]
    );
    assert_eq!(seen[0].body["paused"], true);
    assert_eq!(seen[0].body["pause_reason"], "maintenance");
    assert_eq!(seen[0].body["graceful"], false);
    assert_eq!(seen[1].body["graceful"], true);

    let s = db.find_scheduler_id("force").await.unwrap();
    db.set_master_state(masterid, true).await.unwrap();
    db.set_scheduler_master(s, Some(masterid)).await.unwrap();
    updates.set_scheduler_enabled(s, false).await.unwrap();
    let seen = drain(&mut events).await;
    assert_eq!(keys(&seen), [format!("schedulers/{s}/updated")]);
    assert_eq!(seen[0].body["enabled"], false);
    assert_eq!(seen[0].body["name"], "force");
    assert_eq!(seen[0].body["master"]["masterid"], masterid);
    assert!(!db.get_scheduler(s).await.unwrap().enabled);
    assert!(matches!(seen[0].body["master"], Value::Object(_)));
}

/// The body of the one event published under `key`.
fn body_of<'e>(events: &'e [Event], key: &str) -> &'e Value {
    let found: Vec<&Event> = events
        .iter()
        .filter(|e| e.routing_key.join("/") == key)
        .collect();
    assert_eq!(found.len(), 1, "one {key} event in {:?}", keys(events));
    &found[0].body
}

/// The resource the data API reads from the database at `path`.
async fn read(db: &Db, path: &str) -> Value {
    let api = oxbot_master::data::api::DataApi::new(db.clone());
    let parts: Vec<&str> = path.split('/').collect();
    match api.get(&parts, &Vec::new()).await.unwrap() {
        oxbot_master::data::api::DataResult::Single { item, .. } => item,
        _ => panic!("{path} is not a single resource"),
    }
}

#[tokio::test]
async fn requests_are_announced_as_stored() {
    // Events of a new buildset, a claim and a completion are made from what was written,
    // without reading it back: they must equal what the database holds.
    let (db, updates, mut events, _masterid) = setup().await;
    let builderid = db.find_builder_id("one").await.unwrap();
    let (bsid, brids) = buildset(&updates, vec![builderid]).await;
    let brid = brids[&builderid];
    let seen = drain(&mut events).await;
    assert_eq!(
        body_of(&seen, &format!("buildsets/{bsid}/new")),
        &read(&db, &format!("buildsets/{bsid}")).await
    );
    assert_eq!(
        body_of(&seen, &format!("buildrequests/{brid}/new")),
        &read(&db, &format!("buildrequests/{brid}")).await
    );

    let request = db.get_build_request(brid).await.unwrap();
    updates.claim_build_request(&request).await.unwrap();
    let seen = drain(&mut events).await;
    assert_eq!(
        body_of(&seen, &format!("buildrequests/{brid}/claimed")),
        &read(&db, &format!("buildrequests/{brid}")).await
    );

    updates
        .complete_build_request(brid, bsid, oxbot_core::Results::Warnings)
        .await
        .unwrap();
    let seen = drain(&mut events).await;
    assert_eq!(
        body_of(&seen, &format!("buildrequests/{brid}/complete")),
        &read(&db, &format!("buildrequests/{brid}")).await
    );
    assert_eq!(
        body_of(&seen, &format!("buildsets/{bsid}/complete")),
        &read(&db, &format!("buildsets/{bsid}")).await
    );
}
