//! One shard of the store: a dense vector of entries indexed by a SwissTable of
//! slot numbers. Removal swaps the last entry into the hole, so the vector never
//! has gaps: random sampling and sweeping only ever see live slots.

use hashbrown::HashTable;

/// A stored session: sid and JSON in one allocation.
#[derive(Debug)]
pub struct Entry {
    /// `sid` followed by `json`.
    data: Box<str>,
    sid_len: u32,
    /// Expiry instant (ms since the epoch); infinite for never.
    pub expires: f64,
    /// Insertion order, kept when the entry is overwritten.
    pub seq: u64,
    /// Recency (the store's access clock), for LRU eviction.
    pub access: u64,
}

impl Entry {
    pub fn new(sid: &str, json: &str, expires: f64, access: u64) -> Entry {
        let mut data = String::with_capacity(sid.len() + json.len());
        data.push_str(sid);
        data.push_str(json);
        Entry {
            data: data.into_boxed_str(),
            sid_len: u32::try_from(sid.len()).unwrap_or(u32::MAX),
            expires,
            seq: 0,
            access,
        }
    }

    pub fn sid(&self) -> &str {
        self.data.get(..self.sid_len as usize).unwrap_or_default()
    }

    pub fn json(&self) -> &str {
        self.data.get(self.sid_len as usize..).unwrap_or_default()
    }

    /// Bytes counted against `maxBytes`: sid plus JSON.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    pub fn expired(&self, now: f64) -> bool {
        self.expires <= now
    }
}

#[derive(Debug)]
pub struct Shard {
    index: HashTable<u32>,
    slots: Vec<Entry>,
    rng: fastrand::Rng,
}

impl Shard {
    pub fn new(seed: u64) -> Shard {
        Shard {
            index: HashTable::new(),
            slots: Vec::new(),
            rng: fastrand::Rng::with_seed(
                seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d,
            ),
        }
    }

    pub fn find(&self, hash: u64, sid: &[u8]) -> Option<usize> {
        let slots = &self.slots;
        self.index
            .find(hash, |&i| slots[i as usize].sid().as_bytes() == sid)
            .map(|&i| i as usize)
    }

    pub fn entry(&self, i: usize) -> &Entry {
        &self.slots[i]
    }

    pub fn entry_mut(&mut self, i: usize) -> &mut Entry {
        &mut self.slots[i]
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter()
    }

    pub fn insert(&mut self, hash: u64, entry: Entry, hasher: impl Fn(&[u8]) -> u64) {
        let i = self.slots.len() as u32;
        self.slots.push(entry);
        let slots = &self.slots;
        self.index
            .insert_unique(hash, i, |&j| hasher(slots[j as usize].sid().as_bytes()));
    }

    /// Removes the entry in slot `i`, moving the last entry into its place.
    pub fn remove_at(&mut self, i: usize, hasher: impl Fn(&[u8]) -> u64) -> Entry {
        let hash = hasher(self.slots[i].sid().as_bytes());
        if let Ok(found) = self.index.find_entry(hash, |&j| j as usize == i) {
            found.remove();
        }
        let last = self.slots.len() - 1;
        if i != last {
            let moved_hash = hasher(self.slots[last].sid().as_bytes());
            if let Some(slot) = self.index.find_mut(moved_hash, |&j| j as usize == last) {
                *slot = i as u32;
            }
        }
        self.slots.swap_remove(i)
    }

    /// Removes every expired entry; returns them.
    pub fn remove_expired(&mut self, now: f64, hasher: impl Fn(&[u8]) -> u64) -> Vec<Entry> {
        let mut removed = Vec::new();
        let mut i = 0;
        while i < self.slots.len() {
            if self.slots[i].expired(now) {
                removed.push(self.remove_at(i, &hasher));
            } else {
                i += 1;
            }
        }
        removed
    }

    /// Picks an eviction victim among `samples` random slots: an expired one if
    /// any, else the least recently used. Never the entry whose sid is `keep`.
    pub fn sample_victim(&mut self, samples: usize, keep: &[u8], now: f64) -> Option<usize> {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        let mut best: Option<usize> = None;
        for _ in 0..samples.min(n.max(1)) {
            let i = self.rng.usize(..n);
            let e = &self.slots[i];
            if e.sid().as_bytes() == keep {
                continue;
            }
            if e.expired(now) {
                return Some(i);
            }
            if best.is_none_or(|b| e.access < self.slots[b].access) {
                best = Some(i);
            }
        }
        if best.is_none() && n > 1 {
            // Only `keep` was sampled: take any other entry.
            return (0..n).find(|&i| self.slots[i].sid().as_bytes() != keep);
        }
        best
    }

    /// Empties the shard; returns (entries, bytes) removed.
    pub fn clear(&mut self) -> (usize, usize) {
        let count = self.slots.len();
        let bytes = self.slots.iter().map(Entry::bytes).sum();
        self.index = HashTable::new();
        self.slots = Vec::new();
        (count, bytes)
    }
}
