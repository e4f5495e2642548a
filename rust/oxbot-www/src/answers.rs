//! Answers to data API GETs, kept while the data they were made from holds: a dashboard, the
//! UI or a crawler asking for the same URL again between two database writes gets the bytes
//! already made, without a database read. The data API's version
//! ([`oxbot_master::data::api::DataApi::version`]) tells whether an answer still holds; where
//! it cannot tell (PostgreSQL, which other masters may write), nothing is kept.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// At most this many bytes of answers are kept; beyond it new answers are not kept until the
/// data changes (which empties the cache).
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// What identifies an answer: the request's path and query as sent, and its format.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AnswerKey {
    pub(crate) path_and_query: String,
    pub(crate) json: bool,
}

/// A finished answer's content type and body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) content_type: &'static str,
    pub(crate) body: Bytes,
}

/// The answers made at one version of the data.
#[derive(Debug, Default)]
pub(crate) struct AnswerCache {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    version: u64,
    bytes: usize,
    answers: HashMap<AnswerKey, Answer>,
}

impl AnswerCache {
    /// The answer kept for `key`, if it was made at `version` (the data's version now).
    pub(crate) fn get(&self, version: u64, key: &AnswerKey) -> Option<Answer> {
        let kept = self.kept.lock().expect("answer cache lock");
        if kept.version == version {
            kept.answers.get(key).cloned()
        } else {
            None
        }
    }

    /// Keeps an answer made from data read at `version` (read before the data was). An
    /// answer of an older version than the ones kept is dropped; a newer one replaces them.
    pub(crate) fn put(&self, version: u64, key: AnswerKey, answer: Answer) {
        let mut kept = self.kept.lock().expect("answer cache lock");
        if version < kept.version {
            return;
        }
        if version > kept.version {
            *kept = Kept {
                version,
                ..Kept::default()
            };
        }
        let size = key.path_and_query.len() + answer.body.len();
        if kept.bytes + size <= MAX_BYTES && !kept.answers.contains_key(&key) {
            kept.bytes += size;
            kept.answers.insert(key, answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> AnswerKey {
        AnswerKey {
            path_and_query: path.to_owned(),
            json: true,
        }
    }

    fn answer(body: &'static str) -> Answer {
        Answer {
            content_type: "application/json",
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn an_answer_holds_only_at_its_version() {
        let cache = AnswerCache::default();
        cache.put(3, key("/api/v2/builders"), answer("a"));
        assert_eq!(cache.get(3, &key("/api/v2/builders")).unwrap().body, "a");
        assert!(cache.get(4, &key("/api/v2/builders")).is_none());
        assert!(cache.get(3, &key("/api/v2/workers")).is_none());
        // A newer version drops what was kept; an older answer is never kept.
        cache.put(4, key("/api/v2/workers"), answer("b"));
        cache.put(3, key("/api/v2/builders"), answer("stale"));
        assert!(cache.get(4, &key("/api/v2/builders")).is_none());
        assert_eq!(cache.get(4, &key("/api/v2/workers")).unwrap().body, "b");
    }

    #[test]
    fn keeps_no_more_than_its_size() {
        let cache = AnswerCache::default();
        let big = Bytes::from(vec![b'x'; MAX_BYTES / 2]);
        for path in ["/a", "/b", "/c"] {
            let answer = Answer {
                content_type: "text/plain",
                body: big.clone(),
            };
            cache.put(1, key(path), answer);
        }
        assert!(cache.get(1, &key("/a")).is_some());
        assert!(cache.get(1, &key("/b")).is_none());
        assert!(cache.get(1, &key("/c")).is_none());
    }
}
