//! The native session store: sid -> serialized session (JSON text) + expiry instant,
//! in a concurrent map, with express-session MemoryStore's semantics:
//! lazy removal of expired entries when they are read, `touch` replacing only the
//! stored `cookie` member, and `all` in insertion order.
//!
//! Times are milliseconds since the epoch as `f64` (JavaScript `Date` values), passed
//! in by the caller so that the store follows the caller's clock. An entry whose
//! expiry is not finite never expires.

pub mod json;

use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
struct Record {
    json: Box<str>,
    expires: f64,
    /// Insertion order, kept when an existing entry is overwritten (as a JS object
    /// keeps a property's position).
    seq: u64,
}

impl Record {
    fn expired(&self, now: f64) -> bool {
        self.expires <= now
    }
}

/// Normalizes an expiry: anything not finite means "never".
fn expiry(expires: f64) -> f64 {
    if expires.is_finite() {
        expires
    } else {
        f64::INFINITY
    }
}

/// A concurrent map of sessions.
#[derive(Debug, Default)]
pub struct Store {
    map: DashMap<Box<str>, Record>,
    next_seq: AtomicU64,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Calls `f` with the stored JSON of a live session. An expired entry is removed
    /// and `None` returned, like MemoryStore's `getSession`.
    pub fn get_with<R>(&self, sid: &str, now: f64, f: impl FnOnce(&str) -> R) -> Option<R> {
        {
            let rec = self.map.get(sid)?;
            if !rec.expired(now) {
                return Some(f(&rec.json));
            }
        }
        self.map.remove_if(sid, |_, r| r.expired(now));
        None
    }

    /// The stored JSON of a live session.
    pub fn get(&self, sid: &str, now: f64) -> Option<String> {
        self.get_with(sid, now, str::to_owned)
    }

    /// Inserts or replaces a session. No expiry check, as in MemoryStore.
    pub fn set(&self, sid: &str, json: String, expires: f64) {
        let expires = expiry(expires);
        let json = json.into_boxed_str();
        match self.map.get_mut(sid) {
            Some(mut rec) => {
                rec.json = json;
                rec.expires = expires;
            }
            None => {
                let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
                self.map.insert(sid.into(), Record { json, expires, seq });
            }
        }
    }

    /// Removes a session; true when one was there.
    pub fn destroy(&self, sid: &str) -> bool {
        self.map.remove(sid).is_some()
    }

    /// Replaces the `cookie` member of a live session with `cookie_json` (`None` for
    /// `undefined`) and sets its expiry. Returns false when there is no live session
    /// (an expired one is removed). Stored text that is not a JSON object is left as is.
    pub fn touch(&self, sid: &str, cookie_json: Option<&str>, expires: f64, now: f64) -> bool {
        let live = match self.map.get_mut(sid) {
            None => return false,
            Some(mut rec) => {
                if rec.expired(now) {
                    false
                } else {
                    if let Ok(json) = json::replace_member(&rec.json, "cookie", cookie_json) {
                        rec.json = json.into_boxed_str();
                        rec.expires = expiry(expires);
                    }
                    true
                }
            }
        };
        if !live {
            self.map.remove_if(sid, |_, r| r.expired(now));
        }
        live
    }

    /// Every live session as (sid, JSON), in insertion order; expired ones are removed.
    pub fn all(&self, now: f64) -> Vec<(String, String)> {
        self.remove_expired(now);
        let mut rows: Vec<(u64, String, String)> = self
            .map
            .iter()
            .filter(|e| !e.expired(now))
            .map(|e| (e.seq, e.key().to_string(), e.json.to_string()))
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|(_, k, v)| (k, v)).collect()
    }

    /// Every live sid, in insertion order; expired ones are removed.
    pub fn ids(&self, now: f64) -> Vec<String> {
        self.remove_expired(now);
        let mut rows: Vec<(u64, String)> = self
            .map
            .iter()
            .filter(|e| !e.expired(now))
            .map(|e| (e.seq, e.key().to_string()))
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|(_, k)| k).collect()
    }

    /// Number of live sessions; expired ones are removed.
    pub fn len(&self, now: f64) -> usize {
        self.remove_expired(now);
        self.map.len()
    }

    /// True when no live session is stored.
    pub fn is_empty(&self, now: f64) -> bool {
        self.len(now) == 0
    }

    /// Removes every expired entry; returns how many.
    pub fn remove_expired(&self, now: f64) -> usize {
        let before = self.map.len();
        self.map.retain(|_, r| !r.expired(now));
        before.saturating_sub(self.map.len())
    }

    /// Removes everything.
    pub fn clear(&self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: f64 = f64::NAN;

    #[test]
    fn set_get_destroy() {
        let s = Store::new();
        assert_eq!(s.get("a", 0.0), None);
        s.set("a", r#"{"cookie":{}}"#.into(), NEVER);
        assert_eq!(s.get("a", 1e15).as_deref(), Some(r#"{"cookie":{}}"#));
        assert!(s.destroy("a"));
        assert!(!s.destroy("a"));
        assert_eq!(s.get("a", 0.0), None);
    }

    #[test]
    fn expired_entries_are_removed_on_read() {
        let s = Store::new();
        s.set("a", "{}".into(), 100.0);
        assert!(s.get("a", 99.0).is_some());
        assert!(s.get("a", 100.0).is_none(), "expires <= now is expired");
        assert_eq!(s.map.len(), 0, "removed, not just hidden");
    }

    #[test]
    fn touch_replaces_only_cookie_and_expiry() {
        let s = Store::new();
        s.set("a", r#"{"cookie":{"e":1},"n":1}"#.into(), 100.0);
        assert!(s.touch("a", Some(r#"{"e":2}"#), 200.0, 50.0));
        assert_eq!(
            s.get("a", 150.0).as_deref(),
            Some(r#"{"cookie":{"e":2},"n":1}"#)
        );
        assert!(!s.touch("missing", Some("{}"), 1.0, 0.0));
        assert!(
            !s.touch("a", Some("{}"), 1e9, 300.0),
            "expired entries are not revived"
        );
        assert_eq!(s.map.len(), 0);
    }

    #[test]
    fn all_ids_len_in_insertion_order_without_expired() {
        let s = Store::new();
        s.set("b", "1".into(), NEVER);
        s.set("a", "2".into(), 10.0);
        s.set("c", "3".into(), NEVER);
        s.set("b", "4".into(), NEVER);
        let all = s.all(0.0);
        assert_eq!(
            all,
            vec![
                ("b".into(), "4".into()),
                ("a".into(), "2".into()),
                ("c".into(), "3".into())
            ]
        );
        assert_eq!(s.ids(20.0), vec!["b".to_string(), "c".to_string()]);
        assert_eq!(s.len(20.0), 2);
        s.clear();
        assert!(s.is_empty(0.0));
    }

    #[test]
    fn concurrent_writers() {
        let s = std::sync::Arc::new(Store::new());
        let hs: Vec<_> = (0..4)
            .map(|t| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        s.set(&format!("{t}-{i}"), "{}".into(), NEVER);
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().expect("thread");
        }
        assert_eq!(s.len(0.0), 4000);
    }
}
