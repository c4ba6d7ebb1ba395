//! The native session store: sid -> serialized session (JSON text) + expiry instant,
//! with express-session MemoryStore's semantics (lazy removal of expired entries
//! when read, `touch` replacing only the stored `cookie` member, `all` in insertion
//! order) plus what a production store needs: incremental background sweeping,
//! entry and byte limits with eviction, and statistics.
//!
//! Times are milliseconds since the epoch as `f64` (JavaScript `Date` values), passed
//! in by the caller so that the store follows the caller's clock. An entry whose
//! expiry is not finite never expires.
//!
//! Layout (chosen for memory: ~300 B per 200 B session at 1M sessions, measured by
//! `npm run bench -- store`): the map is split into shards, each a dense vector of
//! slots (one heap allocation per session holding sid and JSON) indexed by a
//! SwissTable of slot numbers. Dense slots give O(1) random sampling for eviction
//! and cache-friendly sweeping, without any per-entry list or expiry index.

#![forbid(unsafe_code)]

pub mod json;
mod owners;
pub mod redis;
mod shard;
pub mod sqlite;

use owners::Owners;
use shard::{Entry, Shard};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// Number of shards: enough to keep one shard's sweep well under a millisecond at
/// millions of sessions, and lock contention low between threads.
pub const SHARDS: usize = 256;

/// The shard of a session whose hash is `hash`: bits 32-39, which the shard's
/// table itself does not use (hashbrown places an entry by the low bits and
/// tells entries of one probe group apart by the top 7: a shard chosen by
/// either would give all its entries the same position or the same tag, and
/// every lookup would compare session IDs along the whole probe sequence).
pub(crate) fn shard_index(hash: u64) -> usize {
    ((hash >> 32) as usize) % SHARDS
}

/// The member `touch` replaces.
const COOKIE: &[u8] = b"cookie";

/// Slots sampled per eviction (as Redis' `maxmemory-samples`).
const EVICTION_SAMPLES: usize = 5;

/// Limits; zero means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of sessions.
    pub max_entries: usize,
    /// Maximum of the summed sid + JSON lengths, in bytes.
    pub max_bytes: usize,
}

/// Counters since the store was created (`count`/`bytes` are current values).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub count: u64,
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
    pub evicted: u64,
}

/// What one incremental sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Expired sessions removed.
    pub removed: usize,
    /// Shards scanned.
    pub shards: usize,
    /// True when this call finished a pass over every shard.
    pub pass_complete: bool,
}

/// A concurrent, sharded session map.
#[derive(Debug)]
pub struct Store {
    shards: Box<[Mutex<Shard>]>,
    limits: Limits,
    count: AtomicUsize,
    bytes: AtomicUsize,
    hits: AtomicU64,
    misses: AtomicU64,
    expired: AtomicU64,
    evicted: AtomicU64,
    next_seq: AtomicU64,
    /// Recency clock for LRU: bumped on every access.
    clock: AtomicU64,
    sweep_cursor: Mutex<usize>,
    hasher: foldhash::fast::RandomState,
    /// The sessions of each owner, for those written with one.
    owners: Owners,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(Limits::default())
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

/// Stores by name, shared by every thread of the process (worker_threads load the
/// addon once per thread, but its statics once per process).
fn registry() -> &'static Mutex<HashMap<Vec<u8>, Weak<Store>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<Vec<u8>, Weak<Store>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl Store {
    /// The store registered under `name` if one is alive, else a new one with
    /// `limits` (the first creator's limits win).
    pub fn named(name: &[u8], limits: Limits) -> Arc<Store> {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = map.get(name).and_then(Weak::upgrade) {
            return store;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let store = Arc::new(Store::new(limits));
        map.insert(name.to_vec(), Arc::downgrade(&store));
        store
    }

    pub fn new(limits: Limits) -> Store {
        Store {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            limits,
            count: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            expired: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            next_seq: AtomicU64::new(0),
            clock: AtomicU64::new(0),
            sweep_cursor: Mutex::new(0),
            hasher: foldhash::fast::RandomState::default(),
            owners: Owners::default(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn hash(&self, sid: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(sid)
    }

    fn shard_of(&self, hash: u64) -> &Mutex<Shard> {
        &self.shards[shard_index(hash)]
    }

    fn lock(m: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
        // A panic while a shard was locked leaves consistent data (every mutation
        // is completed before anything that can panic), so keep serving.
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tick(&self) -> u32 {
        self.clock.fetch_add(1, Ordering::Relaxed) as u32
    }

    /// Removes the entry in slot `i` of a locked shard and updates the counters.
    fn remove(&self, shard: &mut Shard, i: usize) -> Entry {
        let e = shard.remove_at(i, |s| self.hash(s));
        self.account_removed(&e);
        self.owners.forget(e.sid());
        e
    }

    fn account_removed(&self, e: &Entry) {
        self.count.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(e.bytes(), Ordering::Relaxed);
    }

    /// Calls `f` with the stored JSON of a live session. An expired entry is removed
    /// and `None` returned, like MemoryStore's `getSession`.
    pub fn get_with<R>(&self, sid: &[u8], now: f64, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let hash = self.hash(sid);
        let mut shard = Self::lock(self.shard_of(hash));
        let Some(i) = shard.find(hash, sid) else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        if shard.entry(i).expired(now) {
            self.remove(&mut shard, i);
            self.expired.fetch_add(1, Ordering::Relaxed);
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        let tick = self.tick();
        let entry = shard.entry_mut(i);
        entry.access = tick;
        Some(f(entry.json()))
    }

    /// Calls `f` with the stored JSON of a session, expired or not, without touching
    /// recency or statistics (a raw read, like indexing express-session's
    /// `store.sessions`).
    pub fn peek_with<R>(&self, sid: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let hash = self.hash(sid);
        let shard = Self::lock(self.shard_of(hash));
        let i = shard.find(hash, sid)?;
        Some(f(shard.entry(i).json()))
    }

    /// Every stored sid, expired or not, in insertion order (no removal).
    pub fn keys(&self) -> Vec<Vec<u8>> {
        let mut rows: Vec<(u64, Vec<u8>)> = Vec::with_capacity(self.count.load(Ordering::Relaxed));
        for m in self.shards.iter() {
            rows.extend(Self::lock(m).entries().map(|e| (e.seq, e.sid().to_vec())));
        }
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|r| r.1).collect()
    }

    /// The stored JSON of a live session.
    pub fn get(&self, sid: &[u8], now: f64) -> Option<Vec<u8>> {
        self.get_with(sid, now, <[u8]>::to_vec)
    }

    /// Inserts or replaces a session (no expiry check, as in MemoryStore), then
    /// evicts sessions while a limit is exceeded (`now` decides which are expired).
    pub fn set(&self, sid: &[u8], json: &[u8], expires: f64, now: f64) {
        let hash = self.hash(sid);
        let tick = self.tick();
        {
            let mut shard = Self::lock(self.shard_of(hash));
            let found = shard.find(hash, sid);
            self.put(
                &mut shard,
                hash,
                found,
                Entry::new(sid, json, expiry(expires), tick),
            );
        }
        self.enforce_limits(sid, now);
    }

    /// Puts `entry` in slot `found` (replacing that session, keeping its place in
    /// insertion order) or, with `None`, as a new session.
    fn put(&self, shard: &mut Shard, hash: u64, found: Option<usize>, mut entry: Entry) {
        let added = entry.bytes();
        match found {
            Some(i) => {
                let old = shard.entry_mut(i);
                let removed = old.bytes();
                entry.seq = old.seq;
                *old = entry;
                self.bytes.fetch_add(added, Ordering::Relaxed);
                self.bytes.fetch_sub(removed, Ordering::Relaxed);
            }
            None => {
                entry.seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
                shard.insert(hash, entry, |s| self.hash(s));
                self.count.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(added, Ordering::Relaxed);
            }
        }
    }

    /// Writes only some top-level members of a live session, atomically (under
    /// its shard's lock): `patch` applied to the stored JSON, and the expiry set.
    /// When there is no live session (or its text is not a JSON object), stores
    /// `full` instead, as `set` would. Then evicts as `set` does.
    pub fn merge(&self, sid: &[u8], full: &[u8], patch: &json::Patch, expires: f64, now: f64) {
        let hash = self.hash(sid);
        let tick = self.tick();
        {
            let mut shard = Self::lock(self.shard_of(hash));
            let found = shard.find(hash, sid);
            let merged = match found {
                Some(i) if shard.entry(i).expired(now) => {
                    self.expired.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Some(i) => json::apply_patch(shard.entry(i).json(), patch).ok(),
                None => None,
            };
            let entry = Entry::new(
                sid,
                merged.as_deref().unwrap_or(full),
                expiry(expires),
                tick,
            );
            self.put(&mut shard, hash, found, entry);
        }
        self.enforce_limits(sid, now);
    }

    fn over_limits(&self) -> bool {
        let l = self.limits;
        (l.max_entries > 0 && self.count.load(Ordering::Relaxed) > l.max_entries)
            || (l.max_bytes > 0 && self.bytes.load(Ordering::Relaxed) > l.max_bytes)
    }

    /// Evicts until within limits. The session just written (`keep`) is never chosen.
    fn enforce_limits(&self, keep: &[u8], now: f64) {
        while self.over_limits() && self.evict_one(keep, now) {}
    }

    /// Sampled LRU, as Redis' `allkeys-lru`: look at a few sessions in random
    /// shards and evict the first expired one, else the least recently used.
    /// Returns false when nothing but `keep` is left.
    fn evict_one(&self, keep: &[u8], now: f64) -> bool {
        let clock = self.clock.load(Ordering::Relaxed) as u32;
        // (shard, hash, sid, age) of the best candidate so far
        let mut best: Option<(usize, u64, Vec<u8>, u32)> = None;
        let mut sampled = 0;
        for _ in 0..EVICTION_SAMPLES * 4 {
            if sampled == EVICTION_SAMPLES {
                break;
            }
            let s = fastrand::usize(..SHARDS);
            let mut shard = Self::lock(&self.shards[s]);
            let Some(i) = shard.random_slot() else {
                continue;
            };
            let e = shard.entry(i);
            if e.sid() == keep {
                continue;
            }
            sampled += 1;
            if e.expired(now) {
                self.evict(&mut shard, i);
                return true;
            }
            let age = clock.wrapping_sub(e.access);
            if best.as_ref().is_none_or(|b| age > b.3) {
                best = Some((s, self.hash(e.sid()), e.sid().to_vec(), age));
            }
        }
        if let Some((s, hash, sid, _)) = best {
            let mut shard = Self::lock(&self.shards[s]);
            if let Some(i) = shard.find(hash, &sid) {
                self.evict(&mut shard, i);
            }
            // (if another thread removed it meanwhile, the caller re-checks the limits)
            return true;
        }
        // Sparse store: take any session but `keep`.
        for m in self.shards.iter() {
            let mut shard = Self::lock(m);
            if let Some(i) = shard.any_slot_except(keep) {
                self.evict(&mut shard, i);
                return true;
            }
        }
        false
    }

    fn evict(&self, shard: &mut Shard, i: usize) {
        self.remove(shard, i);
        self.evicted.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes a session; true when one was there.
    pub fn destroy(&self, sid: &[u8]) -> bool {
        let hash = self.hash(sid);
        let mut shard = Self::lock(self.shard_of(hash));
        match shard.find(hash, sid) {
            Some(i) => {
                self.remove(&mut shard, i);
                true
            }
            None => false,
        }
    }

    /// Replaces the `cookie` member of a live session with `cookie_json` (`None` for
    /// `undefined`) and sets its expiry. Returns false when there is no live session
    /// (an expired one is removed). Stored text that is not a JSON object is left as is.
    pub fn touch(&self, sid: &[u8], cookie_json: Option<&[u8]>, expires: f64, now: f64) -> bool {
        let hash = self.hash(sid);
        let tick = self.tick();
        let mut shard = Self::lock(self.shard_of(hash));
        let Some(i) = shard.find(hash, sid) else {
            return false;
        };
        if shard.entry(i).expired(now) {
            self.remove(&mut shard, i);
            self.expired.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let entry = shard.entry_mut(i);
        entry.access = tick;
        // sid and the spliced JSON built in one allocation
        let mut data = Vec::with_capacity(
            // room for `,"cookie":` when the member is appended
            sid.len() + entry.json().len() + cookie_json.map_or(0, <[u8]>::len) + COOKIE.len() + 4,
        );
        data.extend_from_slice(sid);
        if json::replace_member_into(&mut data, entry.json(), COOKIE, cookie_json).is_ok() {
            let before = entry.bytes();
            let seq = entry.seq;
            *entry = Entry::from_data(data, sid.len(), expiry(expires), tick);
            entry.seq = seq;
            self.bytes.fetch_add(entry.bytes(), Ordering::Relaxed);
            self.bytes.fetch_sub(before, Ordering::Relaxed);
        }
        true
    }

    /// Live entries mapped by `f`, in insertion order; expired ones are removed.
    fn collect<T>(&self, now: f64, f: impl Fn(&Entry) -> T) -> Vec<T> {
        let mut rows: Vec<(u64, T)> = Vec::with_capacity(self.count.load(Ordering::Relaxed));
        for m in self.shards.iter() {
            let mut shard = Self::lock(m);
            self.remove_expired_in(&mut shard, now);
            rows.extend(shard.entries().map(|e| (e.seq, f(e))));
        }
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|r| r.1).collect()
    }

    /// Every live session as (sid, JSON), in insertion order; expired ones are removed.
    pub fn all(&self, now: f64) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.collect(now, |e| (e.sid().to_vec(), e.json().to_vec()))
    }

    /// Every live sid, in insertion order; expired ones are removed.
    pub fn ids(&self, now: f64) -> Vec<Vec<u8>> {
        self.collect(now, |e| e.sid().to_vec())
    }

    /// Number of live sessions; expired ones are removed.
    pub fn len(&self, now: f64) -> usize {
        self.remove_expired(now);
        self.count.load(Ordering::Relaxed)
    }

    /// True when no live session is stored.
    pub fn is_empty(&self, now: f64) -> bool {
        self.len(now) == 0
    }

    fn remove_expired_in(&self, shard: &mut Shard, now: f64) -> usize {
        if self.owners.used() {
            for e in shard.entries().filter(|e| e.expired(now)) {
                self.owners.forget(e.sid());
            }
        }
        let (count, bytes) = shard.remove_expired(now, |s| self.hash(s));
        self.count.fetch_sub(count, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.expired.fetch_add(count as u64, Ordering::Relaxed);
        count
    }

    /// Removes every expired entry now (a full pass); returns how many.
    pub fn remove_expired(&self, now: f64) -> usize {
        self.shards
            .iter()
            .map(|m| self.remove_expired_in(&mut Self::lock(m), now))
            .sum()
    }

    /// Incremental sweep: scans shards from where the last call stopped until
    /// `budget` has elapsed (at least one shard) or a pass over all shards ends.
    pub fn sweep(&self, now: f64, budget: Duration) -> Sweep {
        let start = Instant::now();
        let mut cursor = self.sweep_cursor.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Sweep::default();
        while out.shards < SHARDS {
            out.removed += self.remove_expired_in(&mut Self::lock(&self.shards[*cursor]), now);
            out.shards += 1;
            *cursor = (*cursor + 1) % SHARDS;
            if *cursor == 0 {
                out.pass_complete = true;
                break;
            }
            if start.elapsed() >= budget {
                break;
            }
        }
        out
    }

    /// Removes everything (statistics other than count and bytes are kept).
    pub fn clear(&self) {
        for m in self.shards.iter() {
            let mut shard = Self::lock(m);
            if self.owners.used() {
                for e in shard.entries() {
                    self.owners.forget(e.sid());
                }
            }
            let (count, bytes) = shard.clear();
            self.count.fetch_sub(count, Ordering::Relaxed);
            self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        }
    }

    /// Records the owner of a stored session (`None`: it has none), after
    /// `set`, `merge` or `touch`; nothing when the session is not stored.
    pub fn set_owner(&self, sid: &[u8], owner: Option<&[u8]>) {
        let hash = self.hash(sid);
        let shard = Self::lock(self.shard_of(hash));
        if shard.find(hash, sid).is_some() {
            self.owners.set(sid, owner);
        } else {
            self.owners.forget(sid);
        }
    }

    /// Calls `f` with each live session of `owner`, in its locked shard (its
    /// slot and sid); expired ones are removed on the way.
    fn each_owned(&self, owner: &[u8], now: f64, mut f: impl FnMut(&mut Shard, usize, Vec<u8>)) {
        for sid in self.owners.sids_of(owner) {
            let hash = self.hash(&sid);
            let mut shard = Self::lock(self.shard_of(hash));
            let Some(i) = shard.find(hash, &sid) else {
                continue;
            };
            if shard.entry(i).expired(now) {
                self.remove(&mut shard, i);
                self.expired.fetch_add(1, Ordering::Relaxed);
            } else if self.owners.owns(owner, &sid) {
                f(&mut shard, i, sid);
            }
        }
    }

    /// The live sessions of `owner` as (sid, JSON), in insertion order (expired
    /// ones are removed).
    pub fn owned(&self, owner: &[u8], now: f64) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut rows = Vec::new();
        self.each_owned(owner, now, |shard, i, sid| {
            let e = shard.entry(i);
            rows.push((e.seq, sid, e.json().to_vec()));
        });
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|(_, sid, json)| (sid, json)).collect()
    }

    /// Removes the live sessions of `owner` but those in `except`; returns how
    /// many (expired ones are removed too, uncounted, also in `except`).
    pub fn destroy_owned(&self, owner: &[u8], except: &[&[u8]], now: f64) -> usize {
        let mut removed = 0;
        self.each_owned(owner, now, |shard, i, sid| {
            if !except.contains(&sid.as_slice()) {
                self.remove(shard, i);
                removed += 1;
            }
        });
        removed
    }

    /// Current statistics.
    pub fn stats(&self) -> Stats {
        Stats {
            count: self.count.load(Ordering::Relaxed) as u64,
            bytes: self.bytes.load(Ordering::Relaxed) as u64,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            expired: self.expired.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod layout {
    #[test]
    fn slot_is_40_bytes() {
        assert_eq!(std::mem::size_of::<super::shard::Entry>(), 40);
    }
}
