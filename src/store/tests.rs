// Unit tests of the native store: semantics (expiry, touch, order), limits and
// eviction, sweeping, concurrency, and exact byte keys.

use super::*;

const NEVER: f64 = f64::NAN;

fn store() -> Store {
    Store::default()
}

/// The store's byte API on text, for readable tests.
trait Text {
    fn get_s(&self, sid: &str, now: f64) -> Option<String>;
    fn set_s(&self, sid: &str, json: &str, expires: f64, now: f64);
    fn destroy_s(&self, sid: &str) -> bool;
    fn touch_s(&self, sid: &str, cookie: Option<&str>, expires: f64, now: f64) -> bool;
}

fn text(b: Vec<u8>) -> String {
    String::from_utf8(b).expect("UTF-8") // ok: test code
}

impl Text for Store {
    fn get_s(&self, sid: &str, now: f64) -> Option<String> {
        self.get(sid.as_bytes(), now).map(text)
    }
    fn set_s(&self, sid: &str, json: &str, expires: f64, now: f64) {
        self.set(sid.as_bytes(), json.as_bytes(), expires, now)
    }
    fn destroy_s(&self, sid: &str) -> bool {
        self.destroy(sid.as_bytes())
    }
    fn touch_s(&self, sid: &str, cookie: Option<&str>, expires: f64, now: f64) -> bool {
        self.touch(sid.as_bytes(), cookie.map(str::as_bytes), expires, now)
    }
}

#[test]
fn set_get_destroy() {
    let s = store();
    assert_eq!(s.get_s("a", 0.0), None);
    s.set_s("a", r#"{"cookie":{}}"#, NEVER, 0.0);
    assert_eq!(s.get_s("a", 1e15).as_deref(), Some(r#"{"cookie":{}}"#));
    assert!(s.destroy_s("a"));
    assert!(!s.destroy_s("a"));
    assert_eq!(s.get_s("a", 0.0), None);
    assert_eq!(s.stats().count, 0);
    assert_eq!(s.stats().bytes, 0);
}

#[test]
fn expired_entries_are_removed_on_read() {
    let s = store();
    s.set_s("a", "{}", 100.0, 0.0);
    assert!(s.get_s("a", 99.0).is_some());
    assert!(s.get_s("a", 100.0).is_none(), "expires <= now is expired");
    let st = s.stats();
    assert_eq!((st.count, st.expired, st.hits, st.misses), (0, 1, 1, 1));
}

#[test]
fn touch_replaces_only_cookie_and_expiry() {
    let s = store();
    s.set_s("a", r#"{"cookie":{"e":1},"n":1}"#, 100.0, 0.0);
    assert!(s.touch_s("a", Some(r#"{"e":22}"#), 200.0, 50.0));
    assert_eq!(
        s.get_s("a", 150.0).as_deref(),
        Some(r#"{"cookie":{"e":22},"n":1}"#)
    );
    assert_eq!(
        s.stats().bytes,
        (1 + r#"{"cookie":{"e":22},"n":1}"#.len()) as u64
    );
    assert!(!s.touch_s("missing", Some("{}"), 1.0, 0.0));
    assert!(
        !s.touch_s("a", Some("{}"), 1e9, 300.0),
        "expired entries are not revived"
    );
    assert_eq!(s.stats().count, 0);
}

#[test]
fn all_ids_len_in_insertion_order_without_expired() {
    let s = store();
    s.set_s("b", "1", NEVER, 0.0);
    s.set_s("a", "2", 10.0, 0.0);
    s.set_s("c", "3", NEVER, 0.0);
    s.set_s("b", "4", NEVER, 0.0);
    let all = s.all(0.0);
    assert_eq!(
        all,
        vec![
            (b"b".to_vec(), b"4".to_vec()),
            (b"a".to_vec(), b"2".to_vec()),
            (b"c".to_vec(), b"3".to_vec())
        ]
    );
    assert_eq!(s.ids(20.0), vec![b"b".to_vec(), b"c".to_vec()]);
    assert_eq!(s.len(20.0), 2);
    s.clear();
    assert!(s.is_empty(0.0));
    assert_eq!(s.stats().bytes, 0);
}

#[test]
fn many_entries_survive_swap_removal() {
    let s = store();
    for i in 0..10_000 {
        s.set_s(
            &format!("sid-{i}"),
            &format!("{{\"n\":{i}}}"),
            if i % 3 == 0 { 5.0 } else { NEVER },
            0.0,
        );
    }
    for i in (0..10_000).step_by(7) {
        s.destroy_s(&format!("sid-{i}"));
    }
    assert_eq!(
        s.remove_expired(10.0),
        (0..10_000).filter(|i| i % 3 == 0 && i % 7 != 0).count()
    );
    for i in 0..10_000 {
        let want = (i % 3 != 0 && i % 7 != 0).then(|| format!("{{\"n\":{i}}}"));
        assert_eq!(s.get_s(&format!("sid-{i}"), 10.0), want, "sid-{i}");
    }
}

#[test]
fn sweep_is_incremental_and_completes_passes() {
    let s = store();
    for i in 0..5_000 {
        s.set_s(&format!("{i}"), "{}", 1.0, 0.0);
    }
    let mut removed = 0;
    let mut passes = 0;
    let mut calls = 0;
    while passes == 0 {
        let r = s.sweep(2.0, Duration::ZERO);
        assert_eq!(r.shards, 1, "a zero budget scans one shard per call");
        removed += r.removed;
        passes += r.pass_complete as usize;
        calls += 1;
    }
    assert_eq!(calls, SHARDS);
    assert_eq!(removed, 5_000);
    let full = s.sweep(2.0, Duration::from_secs(1));
    assert!(full.pass_complete);
    assert_eq!(full.shards, SHARDS);
    assert_eq!(s.stats().expired, 5_000);
}

#[test]
fn max_entries_evicts_least_recently_used() {
    let s = Store::new(Limits {
        max_entries: 100,
        max_bytes: 0,
    });
    for i in 0..100 {
        s.set_s(&format!("old-{i}"), "{}", NEVER, 0.0);
    }
    // touch the first 50 so they are recent
    for i in 0..50 {
        assert!(s.get_s(&format!("old-{i}"), 0.0).is_some());
    }
    for i in 0..50 {
        s.set_s(&format!("new-{i}"), "{}", NEVER, 0.0);
        assert!(
            s.get_s(&format!("new-{i}"), 0.0).is_some(),
            "the new entry is kept"
        );
    }
    let st = s.stats();
    assert_eq!(st.count, 100);
    assert_eq!(st.evicted, 50);
    let recent_kept = (0..50)
        .filter(|i| s.get_s(&format!("old-{i}"), 0.0).is_some())
        .count();
    let stale_kept = (50..100)
        .filter(|i| s.get_s(&format!("old-{i}"), 0.0).is_some())
        .count();
    assert!(
        recent_kept > stale_kept,
        "LRU-ish: {recent_kept} recent vs {stale_kept} stale kept"
    );
}

#[test]
fn max_bytes_bounds_memory_and_prefers_expired() {
    let s = Store::new(Limits {
        max_entries: 0,
        max_bytes: 10_000,
    });
    let json = "x".repeat(96);
    for i in 0..1000 {
        // sid "k0000" (5 bytes) + 96 = 101 bytes each
        s.set_s(
            &format!("k{i:04}"),
            &json,
            if i < 10 { 1.0 } else { NEVER },
            5.0,
        );
        assert!(s.stats().bytes <= 10_000);
    }
    assert_eq!(s.stats().bytes, 99 * 101);
    assert_eq!(s.stats().evicted, 1000 - 99);
    // a single entry larger than the limit is still stored, alone
    s.set_s("huge", &"y".repeat(20_000), NEVER, 5.0);
    assert_eq!(s.len(5.0), 1);
    assert!(s.get_s("huge", 5.0).is_some());
}

#[test]
fn concurrent_writers_and_readers() {
    let s = std::sync::Arc::new(Store::new(Limits {
        max_entries: 3000,
        max_bytes: 0,
    }));
    let hs: Vec<_> = (0..4)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..2000 {
                    let sid = format!("{t}-{i}");
                    s.set_s(&sid, "{}", NEVER, 0.0);
                    let _ = s.get_s(&sid, 0.0);
                    if i % 5 == 0 {
                        s.destroy_s(&sid);
                    }
                    if i % 100 == 0 {
                        let _ = s.sweep(0.0, Duration::ZERO);
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().expect("thread"); // ok: test code
    }
    let st = s.stats();
    assert!(st.count <= 3000);
    assert_eq!(st.count as usize, s.ids(0.0).len());
    assert_eq!(
        st.bytes as usize,
        s.all(0.0)
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
    );
}

#[test]
fn peek_and_keys_are_raw_reads() {
    let s = store();
    s.set_s("b", "{}", 1.0, 0.0);
    s.set_s("a", "[]", NEVER, 0.0);
    assert_eq!(
        s.peek_with(b"b", <[u8]>::to_vec).as_deref(),
        Some(&b"{}"[..]),
        "expired but still stored"
    );
    assert_eq!(s.keys(), vec![b"b".to_vec(), b"a".to_vec()]);
    assert_eq!(s.stats().hits + s.stats().misses, 0);
    assert!(s.get_s("b", 5.0).is_none());
    assert_eq!(s.keys(), vec![b"a".to_vec()]);
}

#[test]
fn keys_are_bytes_exactly() {
    // WTF-8 keys of 'x\uD800' and 'x\uDBFF', and long keys that differ only at the end
    let s = store();
    let a = [b'x', 0xED, 0xA0, 0x80];
    let b = [b'x', 0xED, 0xAF, 0xBF];
    s.set(&a, b"1", NEVER, 0.0);
    s.set(&b, b"2", NEVER, 0.0);
    assert_eq!(s.get(&a, 0.0), Some(b"1".to_vec()));
    assert_eq!(s.get(&b, 0.0), Some(b"2".to_vec()));
    let long_a = [&[b'p'; 253][..], "\u{20AC}A".as_bytes()].concat();
    let long_b = [&[b'p'; 253][..], "\u{20AC}B".as_bytes()].concat();
    s.set(&long_a, b"A", NEVER, 0.0);
    s.set(&long_b, b"B", NEVER, 0.0);
    assert_eq!(s.get(&long_a, 0.0), Some(b"A".to_vec()));
    assert_eq!(s.stats().count, 4);
}

fn patch(sets: &[(&str, &str)], deletes: &[&str]) -> json::Patch {
    json::Patch {
        sets: sets
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect(),
        deletes: deletes.iter().map(|k| k.as_bytes().to_vec()).collect(),
    }
}

#[test]
fn merge_writes_only_the_patched_members_of_a_live_session() {
    let s = store();
    s.set_s(
        "a",
        r#"{"cookie":{"e":1},"user":"x","cart":[1]}"#,
        100.0,
        0.0,
    );
    // another request wrote "user" meanwhile; this one changed only the cart
    s.set_s(
        "a",
        r#"{"cookie":{"e":1},"user":"y","cart":[1]}"#,
        100.0,
        0.0,
    );
    let p = patch(&[("cookie", r#"{"e":2}"#), ("cart", "[1,2]")], &["gone"]);
    s.merge(b"a", br#"{"full":true}"#, &p, 200.0, 10.0);
    assert_eq!(
        s.get_s("a", 150.0).as_deref(),
        Some(r#"{"cookie":{"e":2},"user":"y","cart":[1,2]}"#)
    );
    assert_eq!(s.stats().count, 1);
    // no live session: the full JSON is stored (an expired one is replaced)
    s.merge(b"b", br#"{"full":1}"#, &p, 300.0, 10.0);
    assert_eq!(s.get_s("b", 10.0).as_deref(), Some(r#"{"full":1}"#));
    s.merge(b"a", br#"{"full":2}"#, &p, 400.0, 250.0);
    assert_eq!(s.get_s("a", 250.0).as_deref(), Some(r#"{"full":2}"#));
    // stored text that is not an object: the full JSON replaces it
    s.set_s("c", "[1]", 100.0, 0.0);
    s.merge(b"c", br#"{"full":3}"#, &p, 100.0, 0.0);
    assert_eq!(s.get_s("c", 0.0).as_deref(), Some(r#"{"full":3}"#));
    let st = s.stats();
    assert_eq!(st.count, 3);
    assert_eq!(
        st.bytes as usize,
        ["a", "b", "c"]
            .iter()
            .map(|k| k.len() + s.get_s(k, 0.0).map_or(0, |j| j.len()))
            .sum::<usize>()
    );
}

#[test]
fn shards_keep_table_positions_and_tags_spread() {
    // The entries of one shard must differ in the bits that hashbrown uses to
    // place them (the low bits) and to tell them apart in a probe group (the top
    // 7): with either fixed by the shard choice, every lookup compared session
    // IDs along its whole probe sequence.
    use std::collections::HashSet;
    use std::hash::BuildHasher;
    let hasher = foldhash::fast::RandomState::default();
    let mut tags = HashSet::new();
    let mut lows = HashSet::new();
    for i in 0..200_000u32 {
        let hash = hasher.hash_one(format!("session-{i}").as_bytes());
        if shard_index(hash) == 7 {
            tags.insert(hash >> 57);
            lows.insert(hash & 0xff);
        }
    }
    // (about 780 hashes land in the shard: nearly every value of each)
    assert!(
        tags.len() > 120,
        "top-7-bit tags in one shard: {}",
        tags.len()
    );
    assert!(lows.len() > 200, "low bytes in one shard: {}", lows.len());
}

/// The sids of `owner`'s live sessions, as text, in the store's order.
fn owned_s(store: &Store, owner: &str, now: f64) -> Vec<String> {
    store
        .owned(owner.as_bytes(), now)
        .into_iter()
        .map(|(sid, _)| text(sid))
        .collect()
}

#[test]
fn owners_follow_sets_owner_changes_destroy_expiry_and_clear() {
    let s = store();
    for sid in ["a", "b", "c", "d"] {
        s.set_s(sid, "{}", 1000.0, 0.0);
    }
    s.set_owner(b"a", Some(b"ann"));
    s.set_owner(b"b", Some(b"ann"));
    s.set_owner(b"c", Some(b"ann"));
    s.set_owner(b"d", Some(b"bob"));
    s.set_owner(b"gone", Some(b"ann")); // (not stored: not indexed)
    assert_eq!(owned_s(&s, "ann", 0.0), ["a", "b", "c"]);
    assert_eq!(s.owned(b"ann", 0.0)[0].1, b"{}");
    // a login as another user moves the session; no owner any more removes it
    s.set_owner(b"b", Some(b"bob"));
    s.set_owner(b"c", None);
    assert_eq!(owned_s(&s, "ann", 0.0), ["a"]);
    assert_eq!(owned_s(&s, "bob", 0.0), ["b", "d"]);
    assert!(s.destroy_s("d"));
    assert_eq!(owned_s(&s, "bob", 0.0), ["b"]);
    // expired: never listed, and gone from the index by a sweep
    s.set_s("e", "{}", 10.0, 0.0);
    s.set_owner(b"e", Some(b"ann"));
    assert_eq!(owned_s(&s, "ann", 5.0), ["a", "e"]);
    assert_eq!(owned_s(&s, "ann", 20.0), ["a"]);
    s.set_s("f", "{}", 10.0, 0.0);
    s.set_owner(b"f", Some(b"ann"));
    assert_eq!(s.remove_expired(20.0), 1);
    assert_eq!(s.owners.sizes(), (2, 2));
    s.clear();
    assert_eq!(s.owners.sizes(), (0, 0));
    assert!(owned_s(&s, "ann", 0.0).is_empty());
}

#[test]
fn destroy_owned_ends_all_but_the_excepted_and_counts_live_ones() {
    let s = store();
    for (sid, owner) in [("a", "ann"), ("b", "ann"), ("c", "ann"), ("x", "bob")] {
        s.set_s(sid, "{}", 1000.0, 0.0);
        s.set_owner(sid.as_bytes(), Some(owner.as_bytes()));
    }
    s.set_s("old", "{}", 10.0, 0.0);
    s.set_owner(b"old", Some(b"ann"));
    assert_eq!(s.destroy_owned(b"ann", &[b"a"], 20.0), 2);
    assert_eq!(owned_s(&s, "ann", 20.0), ["a"]);
    assert_eq!(owned_s(&s, "bob", 20.0), ["x"]);
    assert!(s.get_s("b", 20.0).is_none() && s.get_s("a", 20.0).is_some());
    assert_eq!(s.destroy_owned(b"nobody", &[], 20.0), 0);
    assert_eq!(s.owners.sizes(), (2, 2));
}

#[test]
fn evicted_sessions_leave_the_owner_index() {
    let s = Store::new(Limits {
        max_entries: 10,
        max_bytes: 0,
    });
    for i in 0..100 {
        let sid = format!("s{i}");
        s.set_s(&sid, "{}", NEVER, 0.0);
        s.set_owner(sid.as_bytes(), Some(b"ann"));
    }
    assert_eq!(owned_s(&s, "ann", 0.0).len(), 10);
    assert_eq!(s.owners.sizes(), (10, 1));
}

/// Random saves (with owners, other owners, none), destroys, sweeps, clears
/// and destroy_owned, checked after each step against a model.
#[test]
fn owner_index_matches_a_model_under_random_operations() {
    let seed = std::env::var("OWNERS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("owner index model: seed {seed} (OWNERS_SEED={seed} to repeat)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let s = Store::new(Limits::default());
    // sid -> (expires, owner)
    let mut model: std::collections::BTreeMap<String, (f64, Option<String>)> = Default::default();
    let owners = ["ann", "bob", "é\u{0}x"];
    let mut now = 0.0;
    for step in 0..5000 {
        let sid = format!("s{}", rng.usize(..40));
        match rng.usize(..10) {
            0..=4 => {
                let expires = now + rng.usize(1..50) as f64;
                let owner = owners.get(rng.usize(..=owners.len())).copied();
                s.set_s(&sid, "{}", expires, now);
                s.set_owner(sid.as_bytes(), owner.map(str::as_bytes));
                model.insert(sid, (expires, owner.map(|o| o.to_string())));
            }
            5 => {
                s.destroy_s(&sid);
                model.remove(&sid);
            }
            6 => {
                s.sweep(now, Duration::from_secs(1));
                model.retain(|_, (e, _)| *e > now);
            }
            7 => {
                let owner = owners[rng.usize(..owners.len())];
                let live: Vec<String> = model
                    .iter()
                    .filter(|(k, (e, o))| *e > now && o.as_deref() == Some(owner) && **k != sid)
                    .map(|(k, _)| k.clone())
                    .collect();
                let n = s.destroy_owned(owner.as_bytes(), &[sid.as_bytes()], now);
                assert_eq!(n, live.len(), "step {step} (seed {seed})");
                // (the owner's expired sessions go too; the others' stay)
                model.retain(|k, (_, o)| !(o.as_deref() == Some(owner) && *k != sid));
            }
            8 if rng.usize(..20) == 0 => {
                s.clear();
                model.clear();
            }
            _ => now += rng.usize(..5) as f64,
        }
        // (the index holds exactly the stored sessions with an owner)
        let stored_with_owner = s
            .keys()
            .iter()
            .filter(|k| {
                model
                    .get(std::str::from_utf8(k).unwrap()) // ok: test code
                    .is_some_and(|m| m.1.is_some())
            })
            .count();
        assert_eq!(
            s.owners.sizes().0,
            stored_with_owner,
            "step {step} (seed {seed})"
        );
        // (listing removes the expired sessions it meets: only now and then,
        // so that sweeps and destroy_owned meet some too)
        if rng.usize(..8) != 0 {
            continue;
        }
        for owner in owners {
            let mut want: Vec<String> = model
                .iter()
                .filter(|(_, (e, o))| *e > now && o.as_deref() == Some(owner))
                .map(|(k, _)| k.clone())
                .collect();
            want.sort();
            let mut got = owned_s(&s, owner, now);
            got.sort();
            assert_eq!(got, want, "owner {owner:?} at step {step} (seed {seed})");
        }
    }
}
