//! In-process message queue: routing-key publish/subscribe, like Buildbot's `mq/simple.py`.
//!
//! A routing key is a tuple of strings such as `("builds", "12", "finished")`; a subscription
//! filter is a tuple of the same length in which `None` matches any part. Messages are the JSON
//! bodies Buildbot's data API sends with each event.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

/// One published event. Every subscriber receives its own copy of every event (its filter is
/// applied after), so the key and the body are shared, not copied.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub routing_key: Arc<[String]>,
    pub body: Arc<Value>,
}

/// The queue. Cloning gives another handle on the same queue.
#[derive(Debug, Clone)]
pub struct Mq {
    sender: broadcast::Sender<Event>,
}

/// A subscription: receives the events whose routing key matches its filter.
#[derive(Debug)]
pub struct Subscription {
    /// `None` receives every event.
    filter: Option<Vec<Option<String>>>,
    receiver: broadcast::Receiver<Event>,
}

impl Default for Mq {
    fn default() -> Self {
        Mq::new()
    }
}

impl Mq {
    pub fn new() -> Mq {
        let (sender, _) = broadcast::channel(4096);
        Mq { sender }
    }

    pub fn publish(&self, routing_key: Vec<String>, body: Value) {
        self.publish_shared(routing_key, Arc::new(body));
    }

    /// [`Mq::publish`] of a body published under several keys.
    pub fn publish_shared(&self, routing_key: Vec<String>, body: Arc<Value>) {
        // No subscribers is not an error: nobody is listening yet.
        let _ = self.sender.send(Event {
            routing_key: routing_key.into(),
            body,
        });
    }

    /// Subscribes with a filter, e.g. `[Some("builds"), None, Some("finished")]`.
    pub fn subscribe(&self, filter: Vec<Option<String>>) -> Subscription {
        Subscription {
            filter: Some(filter),
            receiver: self.sender.subscribe(),
        }
    }

    /// Subscribes to every event (the `/ws` endpoint matches its clients' patterns itself).
    pub fn subscribe_all(&self) -> Subscription {
        Subscription {
            filter: None,
            receiver: self.sender.subscribe(),
        }
    }
}

/// Whether a routing key matches a filter (`None` parts match anything).
pub fn key_matches(filter: &[Option<String>], key: &[String]) -> bool {
    filter.len() == key.len()
        && filter
            .iter()
            .zip(key)
            .all(|(f, k)| f.as_deref().is_none_or(|f| f == k))
}

impl Subscription {
    /// The next matching event; `None` once the queue is gone. Events a slow subscriber missed
    /// are skipped (with a warning), as the queue keeps a bounded backlog.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            match self.receiver.recv().await {
                Ok(event)
                    if self
                        .filter
                        .as_ref()
                        .is_none_or(|f| key_matches(f, &event.routing_key)) =>
                {
                    return Some(event);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "mq subscriber lagged behind");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_owned()).collect()
    }

    #[tokio::test]
    async fn subscription_sees_only_matching_keys() {
        let mq = Mq::new();
        let mut sub = mq.subscribe(vec![Some("builds".into()), None, Some("finished".into())]);
        mq.publish(key(&["builds", "1", "new"]), Value::Null);
        mq.publish(key(&["steps", "1", "finished"]), Value::Null);
        mq.publish(key(&["builds", "1", "finished"]), Value::from(1));
        let event = sub.next().await.unwrap();
        assert_eq!(*event.routing_key, key(&["builds", "1", "finished"]));
        assert_eq!(*event.body, Value::from(1));
    }
}
