//! Buildbot's locks (`util.MasterLock`, `util.WorkerLock`): the master-wide registry of lock
//! states, and the accesses builds and steps claim from it.
//!
//! A master lock is one lock per name; a worker lock is one lock per name and worker, whose
//! size is `maxCountForWorker[worker]`, else `maxCount`. Counting access takes `count` of the
//! lock's size; exclusive access takes all of it. A build or step claims all its accesses at
//! once and holds them until its [`LockGuard`] is dropped, so a stopped or failed build or
//! step always releases what it held.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::Notify;

/// Which lock: its name, and for a worker lock the worker it is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LockKey {
    name: String,
    worker: Option<String>,
}

/// One access a build or step wants (Buildbot's `LockAccess` made real for one worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockAccess {
    key: LockKey,
    size: u64,
    exclusive: bool,
    count: u64,
}

impl LockAccess {
    /// The accesses a `locks=[...]` list describes (`{"$lock_access": mode, "lock", "count"}`,
    /// or a bare `{"$lock": ...}`, which is counting access of 1), for a build on `worker`.
    pub fn from_config(locks: &[Value], worker: &str) -> Result<Vec<LockAccess>, String> {
        locks
            .iter()
            .map(|value| {
                let (lock, mode, count) = match value.get("$lock_access") {
                    Some(mode) => (
                        value.get("lock").unwrap_or(&Value::Null),
                        mode.as_str().unwrap_or("counting"),
                        value.get("count").and_then(Value::as_u64).unwrap_or(1),
                    ),
                    None => (value, "counting", 1),
                };
                let kind = lock.get("$lock").and_then(Value::as_str);
                let name = lock.get("name").and_then(Value::as_str);
                let (Some(kind), Some(name)) = (kind, name) else {
                    return Err(format!("not a lock: {value}"));
                };
                let max_count = lock.get("maxCount").and_then(Value::as_u64).unwrap_or(1);
                let (worker, size) = match kind {
                    "MasterLock" => (None, max_count),
                    "WorkerLock" => (
                        Some(worker.to_owned()),
                        lock.get("maxCountForWorker")
                            .and_then(|m| m.get(worker))
                            .and_then(Value::as_u64)
                            .unwrap_or(max_count),
                    ),
                    other => return Err(format!("unknown lock kind {other}")),
                };
                Ok(LockAccess {
                    key: LockKey {
                        name: name.to_owned(),
                        worker,
                    },
                    size,
                    exclusive: mode == "exclusive",
                    count,
                })
            })
            .collect()
    }
}

/// How much of one lock is claimed.
#[derive(Debug, Default)]
struct Claimed {
    counting: u64,
    exclusive: u64,
}

/// Every lock of the master; cheap to clone.
#[derive(Clone, Default)]
pub struct Locks {
    claimed: Arc<Mutex<HashMap<LockKey, Claimed>>>,
    released: Arc<Notify>,
}

impl Locks {
    /// Waits until every access in `wants` is available, then claims them all at once.
    pub async fn acquire(&self, wants: Vec<LockAccess>) -> LockGuard {
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if let Some(guard) = self.try_acquire(&wants) {
                return guard;
            }
            released.await;
        }
    }

    /// Whether every access in `wants` could be claimed now (Buildbot's distributor asks this
    /// before it starts a build).
    pub fn is_available(&self, wants: &[LockAccess]) -> bool {
        fits(&self.claimed.lock().expect("locks"), wants)
    }

    /// Claims every access in `wants` if all are available now.
    pub fn try_acquire(&self, wants: &[LockAccess]) -> Option<LockGuard> {
        let mut claimed = self.claimed.lock().expect("locks");
        if !fits(&claimed, wants) {
            return None;
        }
        for want in wants {
            let entry = claimed.entry(want.key.clone()).or_default();
            if want.exclusive {
                entry.exclusive += 1;
            } else {
                entry.counting += want.count;
            }
        }
        Some(LockGuard {
            locks: self.clone(),
            held: wants.to_vec(),
        })
    }

    fn release(&self, held: &[LockAccess]) {
        let mut claimed = self.claimed.lock().expect("locks");
        for access in held {
            if let Some(entry) = claimed.get_mut(&access.key) {
                if access.exclusive {
                    entry.exclusive -= 1;
                } else {
                    entry.counting -= access.count;
                }
                if entry.exclusive == 0 && entry.counting == 0 {
                    claimed.remove(&access.key);
                }
            }
        }
        drop(claimed);
        self.released.notify_waiters();
    }
}

/// Whether `wants`, all together, fit beside what is `claimed`.
fn fits(claimed: &HashMap<LockKey, Claimed>, wants: &[LockAccess]) -> bool {
    wants.iter().all(|want| {
        let have = claimed.get(&want.key);
        let (have_counting, have_exclusive) =
            have.map_or((0, 0), |have| (have.counting, have.exclusive));
        if want.exclusive {
            return have_exclusive == 0 && have_counting == 0;
        }
        // The same lock twice in one list counts twice.
        let wanted: u64 = wants
            .iter()
            .filter(|other| other.key == want.key && !other.exclusive)
            .map(|other| other.count)
            .sum();
        have_exclusive == 0 && have_counting + wanted <= want.size
    })
}

/// Accesses held by a build or step; dropping it releases them.
pub struct LockGuard {
    locks: Locks,
    held: Vec<LockAccess>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.locks.release(&self.held);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn master(name: &str, max: u64, mode: &str) -> Value {
        json!({"$lock_access": mode, "lock": {"$lock": "MasterLock", "name": name, "maxCount": max}, "count": 1})
    }

    #[test]
    fn exclusive_excludes_everything() {
        let locks = Locks::default();
        let excl = LockAccess::from_config(&[master("l", 3, "exclusive")], "w").unwrap();
        let count = LockAccess::from_config(&[master("l", 3, "counting")], "w").unwrap();
        let held = locks.try_acquire(&excl).expect("free lock");
        assert!(locks.try_acquire(&count).is_none());
        assert!(locks.try_acquire(&excl).is_none());
        drop(held);
        let c1 = locks.try_acquire(&count).expect("released");
        assert!(locks.try_acquire(&excl).is_none());
        drop(c1);
        assert!(locks.try_acquire(&excl).is_some());
    }

    #[test]
    fn counting_up_to_max_count() {
        let locks = Locks::default();
        let count = LockAccess::from_config(&[master("l", 2, "counting")], "w").unwrap();
        let a = locks.try_acquire(&count).unwrap();
        let _b = locks.try_acquire(&count).unwrap();
        assert!(locks.try_acquire(&count).is_none());
        drop(a);
        assert!(locks.try_acquire(&count).is_some());
    }

    #[test]
    fn worker_locks_are_per_worker_with_their_own_size() {
        let lock = json!({"$lock": "WorkerLock", "name": "wl", "maxCount": 1,
                          "maxCountForWorker": {"big": 2}});
        let locks = Locks::default();
        let on_a = LockAccess::from_config(std::slice::from_ref(&lock), "a").unwrap();
        let on_b = LockAccess::from_config(std::slice::from_ref(&lock), "b").unwrap();
        let on_big = LockAccess::from_config(std::slice::from_ref(&lock), "big").unwrap();
        let _a = locks.try_acquire(&on_a).unwrap();
        assert!(locks.try_acquire(&on_a).is_none());
        assert!(locks.try_acquire(&on_b).is_some());
        let _big1 = locks.try_acquire(&on_big).unwrap();
        let _big2 = locks.try_acquire(&on_big).unwrap();
        assert!(locks.try_acquire(&on_big).is_none());
    }

    #[test]
    fn a_bare_lock_is_counting_access() {
        let bare = json!({"$lock": "MasterLock", "name": "m", "maxCount": 1});
        let access = LockAccess::from_config(&[bare], "w").unwrap();
        assert!(!access[0].exclusive);
        assert_eq!(access[0].count, 1);
    }

    #[tokio::test]
    async fn a_waiter_gets_the_lock_when_it_is_released() {
        let locks = Locks::default();
        let excl = LockAccess::from_config(&[master("l", 1, "exclusive")], "w").unwrap();
        let held = locks.try_acquire(&excl).unwrap();
        let waiter = tokio::spawn({
            let locks = locks.clone();
            let excl = excl.clone();
            async move { locks.acquire(excl).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(held);
        let _got = waiter.await.unwrap();
        assert!(locks.try_acquire(&excl).is_none());
    }
}
