//! One shard of the store: a dense vector of entries indexed by a SwissTable of
//! slot numbers. Removal swaps the last entry into the hole, so the vector never
//! has gaps: random sampling and sweeping only ever see live slots.

use hashbrown::HashTable;

/// A stored session: sid and JSON in one allocation; 40 bytes of slot.
#[derive(Debug)]
pub struct Entry {
    /// `sid` followed by `json` (WTF-8 bytes, see `crate::text`).
    data: Box<[u8]>,
    /// Expiry instant (ms since the epoch); infinite for never.
    pub expires: f64,
    /// Insertion order, kept when the entry is overwritten.
    pub seq: u64,
    /// Recency: the low 32 bits of the store's access clock (ages are compared
    /// with wrapping arithmetic), for LRU eviction.
    pub access: u32,
    sid_len: u32,
}

impl Entry {
    pub fn new(sid: &[u8], json: &[u8], expires: f64, access: u32) -> Entry {
        let mut data = Vec::with_capacity(sid.len() + json.len());
        data.extend_from_slice(sid);
        data.extend_from_slice(json);
        Entry::from_data(data, sid.len(), expires, access)
    }

    /// An entry from `data` = the sid (its first `sid_len` bytes) followed by the JSON.
    pub fn from_data(data: Vec<u8>, sid_len: usize, expires: f64, access: u32) -> Entry {
        Entry {
            data: data.into_boxed_slice(),
            sid_len: u32::try_from(sid_len).unwrap_or(u32::MAX),
            expires,
            seq: 0,
            access,
        }
    }

    pub fn sid(&self) -> &[u8] {
        self.data.get(..self.sid_len as usize).unwrap_or_default()
    }

    pub fn json(&self) -> &[u8] {
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

#[derive(Debug, Default)]
pub struct Shard {
    index: HashTable<u32>,
    slots: Vec<Entry>,
}

impl Shard {
    pub fn find(&self, hash: u64, sid: &[u8]) -> Option<usize> {
        let slots = &self.slots;
        self.index
            .find(hash, |&i| slots[i as usize].sid() == sid)
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
            .insert_unique(hash, i, |&j| hasher(slots[j as usize].sid()));
    }

    /// Removes the entry in slot `i`, moving the last entry into its place.
    pub fn remove_at(&mut self, i: usize, hasher: impl Fn(&[u8]) -> u64) -> Entry {
        let hash = hasher(self.slots[i].sid());
        if let Ok(found) = self.index.find_entry(hash, |&j| j as usize == i) {
            found.remove();
        }
        let last = self.slots.len() - 1;
        if i != last {
            let moved_hash = hasher(self.slots[last].sid());
            if let Some(slot) = self.index.find_mut(moved_hash, |&j| j as usize == last) {
                *slot = i as u32;
            }
        }
        self.slots.swap_remove(i)
    }

    /// Removes every expired entry; returns (entries, bytes) removed. Few expired
    /// entries are removed one by one; many, by one sequential pass that keeps the
    /// live entries and rebuilds the index (far cheaper per entry than random
    /// index probes when a large part of the shard expired at once).
    pub fn remove_expired(&mut self, now: f64, hasher: impl Fn(&[u8]) -> u64) -> (usize, usize) {
        let (count, bytes) = self
            .slots
            .iter()
            .filter(|e| e.expired(now))
            .fold((0, 0), |(c, b), e| (c + 1, b + e.bytes()));
        if count == 0 {
            return (0, 0);
        }
        if count * 8 < self.slots.len() {
            let mut i = 0;
            while i < self.slots.len() {
                if self.slots[i].expired(now) {
                    drop(self.remove_at(i, &hasher));
                } else {
                    i += 1;
                }
            }
        } else {
            self.slots.retain(|e| !e.expired(now));
            self.index.clear();
            let slots = &self.slots;
            for (i, e) in slots.iter().enumerate() {
                self.index.insert_unique(hasher(e.sid()), i as u32, |&j| {
                    hasher(slots[j as usize].sid())
                });
            }
        }
        (count, bytes)
    }

    /// A random slot, or None when the shard is empty.
    pub fn random_slot(&self) -> Option<usize> {
        (!self.slots.is_empty()).then(|| fastrand::usize(..self.slots.len()))
    }

    /// The first slot whose sid is not `keep`.
    pub fn any_slot_except(&self, keep: &[u8]) -> Option<usize> {
        self.slots.iter().position(|e| e.sid() != keep)
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
