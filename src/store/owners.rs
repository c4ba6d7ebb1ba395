//! Which sessions belong to which owner (a user: "log out everywhere", one
//! session per user): an exact index beside the in-memory store, sid -> owner
//! and owner -> sids. It is touched only once a session with an owner was
//! written: until then a removal costs one atomic load.
//!
//! Lock order: a shard's lock, then the index's (the store changes both under
//! the shard's lock, so that the index never names a session that is gone).

use std::collections::{HashMap, HashSet};

/// (foldhash, as the store's own tables: SipHash costs more than the lookup)
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<T> = HashSet<T, foldhash::fast::RandomState>;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, Default)]
pub struct Owners {
    used: AtomicBool,
    index: Mutex<Index>,
}

#[derive(Debug, Default)]
struct Index {
    owner_of: Map<Vec<u8>, Vec<u8>>,
    sids: Map<Vec<u8>, Set<Vec<u8>>>,
}

impl Index {
    fn forget(&mut self, sid: &[u8]) {
        if let Some(owner) = self.owner_of.remove(sid) {
            if let Some(sids) = self.sids.get_mut(&owner) {
                sids.remove(sid);
                if sids.is_empty() {
                    self.sids.remove(&owner);
                }
            }
        }
    }
}

impl Owners {
    fn lock(&self) -> MutexGuard<'_, Index> {
        // (every change is completed before anything that can panic)
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any session ever had an owner.
    pub fn used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// Records that `sid` belongs to `owner` (`None`: to nobody).
    pub fn set(&self, sid: &[u8], owner: Option<&[u8]>) {
        if owner.is_none() && !self.used() {
            return;
        }
        let mut index = self.lock();
        match owner {
            Some(owner) => {
                if index.owner_of.get(sid).map(Vec::as_slice) == Some(owner) {
                    return;
                }
                self.used.store(true, Ordering::Relaxed);
                index.forget(sid);
                index.owner_of.insert(sid.to_vec(), owner.to_vec());
                index
                    .sids
                    .entry(owner.to_vec())
                    .or_default()
                    .insert(sid.to_vec());
            }
            None => index.forget(sid),
        }
    }

    /// Forgets `sid` (its session is gone).
    pub fn forget(&self, sid: &[u8]) {
        if self.used() {
            self.lock().forget(sid);
        }
    }

    /// Whether `sid` belongs to `owner`.
    pub fn owns(&self, owner: &[u8], sid: &[u8]) -> bool {
        self.used() && self.lock().owner_of.get(sid).map(Vec::as_slice) == Some(owner)
    }

    /// The sids that belong to `owner`.
    pub fn sids_of(&self, owner: &[u8]) -> Vec<Vec<u8>> {
        if !self.used() {
            return Vec::new();
        }
        self.lock()
            .sids
            .get(owner)
            .map(|sids| sids.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// (sids, owners) indexed, for tests.
    #[cfg(test)]
    pub fn sizes(&self) -> (usize, usize) {
        let index = self.lock();
        (index.owner_of.len(), index.sids.len())
    }
}
