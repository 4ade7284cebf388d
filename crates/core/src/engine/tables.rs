//! Storage for the engine's hot maps, cheaper than B-trees for their access patterns but with
//! the same observable order (ascending keys), so replacing a `BTreeMap` changes no behaviour.
//!
//! - [`SeqMap`]: contacts and offers. Their ids are sequence numbers handed out in creation
//!   order and most entries are short-lived, so the live entries sit in a sliding window
//!   indexed by `id - base` (O(1) lookups, no node allocation). An entry that outlives many
//!   younger ones moves to a small overflow B-tree, so memory stays proportional to the
//!   number of live entries, never to the number ever created.
//! - [`VecMap`]: an agent's assignments — a handful at most (capacity units cap them), kept
//!   sorted in a `Vec` that keeps its buffer when it empties.
//! - [`VecSet`]: the dirty queues — a few at a time, sorted in a `Vec`.

use crate::ids::{AgentId, ContactId, OfferId};
use std::collections::{BTreeMap, VecDeque};

/// A key that is a sequence number.
pub(crate) trait SeqKey: Copy + Ord {
    fn seq(self) -> u64;
}

impl SeqKey for ContactId {
    #[inline]
    fn seq(self) -> u64 {
        self.0
    }
}

impl SeqKey for OfferId {
    #[inline]
    fn seq(self) -> u64 {
        self.0
    }
}

/// A map keyed by sequence numbers: a window of slots for recent keys plus an ordered overflow
/// for old keys. Iteration is in ascending key order, like `BTreeMap`.
#[derive(Debug, Clone)]
pub(crate) struct SeqMap<K, V> {
    /// Key of `window[0]`. Every key in `overflow` is below it.
    base: u64,
    window: VecDeque<Option<(K, V)>>,
    overflow: BTreeMap<u64, (K, V)>,
    len: usize,
}

impl<K: SeqKey, V> Default for SeqMap<K, V> {
    fn default() -> Self {
        SeqMap::new()
    }
}

impl<K: SeqKey, V> SeqMap<K, V> {
    pub fn new() -> Self {
        SeqMap {
            base: 0,
            window: VecDeque::new(),
            overflow: BTreeMap::new(),
            len: 0,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// How many slots the window may span for `live` entries in it before old entries move
    /// to the overflow.
    #[inline]
    fn window_cap(live: usize) -> usize {
        4 * live + 256
    }

    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        let id = key.seq();
        if id >= self.base {
            let i = usize::try_from(id - self.base).ok()?;
            self.window.get(i)?.as_ref().map(|(_, v)| v)
        } else {
            self.overflow.get(&id).map(|(_, v)| v)
        }
    }

    #[inline]
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let id = key.seq();
        if id >= self.base {
            let i = usize::try_from(id - self.base).ok()?;
            self.window.get_mut(i)?.as_mut().map(|(_, v)| v)
        } else {
            self.overflow.get_mut(&id).map(|(_, v)| v)
        }
    }

    /// Insert or replace; returns the old value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let id = key.seq();
        if id < self.base {
            let old = self.overflow.insert(id, (key, value)).map(|(_, v)| v);
            if old.is_none() {
                self.len += 1;
            }
            return old;
        }
        if self.window.is_empty() {
            self.base = id;
        }
        let in_window = self.len - self.overflow.len();
        let span = id - self.base + 1;
        if span > self.window.len() as u64 && span > Self::window_cap(in_window + 1) as u64 {
            // The window would grow far beyond its live entries: move the oldest ones out.
            self.make_room(id, in_window + 1);
            if self.window.is_empty() {
                self.base = id;
            }
        }
        let i = (id - self.base) as usize;
        if i >= self.window.len() {
            self.window.resize_with(i + 1, || None);
        }
        let old = self.window[i].replace((key, value)).map(|(_, v)| v);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Pop the oldest window slots (live ones to the overflow) until `id` fits within the cap.
    fn make_room(&mut self, id: u64, live: usize) {
        let cap = Self::window_cap(live) as u64;
        while let Some(front) = self.window.pop_front() {
            if let Some((k, v)) = front {
                self.overflow.insert(self.base, (k, v));
            }
            self.base += 1;
            if id - self.base < cap {
                break;
            }
        }
    }

    /// Remove and drop in place: no copy of the value out (a contact's state is a few
    /// hundred bytes, moved out on every close by `remove`).
    pub fn discard(&mut self, key: &K) -> bool {
        let id = key.seq();
        let found = if id >= self.base {
            let Ok(i) = usize::try_from(id - self.base) else {
                return false;
            };
            let Some(slot) = self.window.get_mut(i) else {
                return false;
            };
            let found = slot.is_some();
            *slot = None;
            // Keep the window starting at a live entry.
            while let Some(None) = self.window.front() {
                self.window.pop_front();
                self.base += 1;
            }
            found
        } else {
            self.overflow.remove(&id).is_some()
        };
        if found {
            self.len -= 1;
        }
        found
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let id = key.seq();
        let old = if id >= self.base {
            let i = usize::try_from(id - self.base).ok()?;
            let old = self.window.get_mut(i)?.take().map(|(_, v)| v);
            // Keep the window starting at a live entry.
            while let Some(None) = self.window.front() {
                self.window.pop_front();
                self.base += 1;
            }
            old
        } else {
            self.overflow.remove(&id).map(|(_, v)| v)
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// Entries in ascending key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.overflow
            .values()
            .chain(self.window.iter().flatten())
            .map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.iter().map(|(k, _)| k)
    }
}

impl<'a, K: SeqKey, V> IntoIterator for &'a SeqMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Box<dyn Iterator<Item = (&'a K, &'a V)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<K: SeqKey, V> std::ops::Index<&K> for SeqMap<K, V> {
    type Output = V;

    fn index(&self, key: &K) -> &V {
        self.get(key).expect("no entry for key")
    }
}

/// A small ordered map in a sorted `Vec`.
#[derive(Debug, Clone)]
pub(crate) struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K: Ord, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap::new()
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    #[inline]
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    #[inline]
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

/// A small ordered set in a sorted `Vec`.
#[derive(Debug, Clone)]
pub(crate) struct VecSet<T> {
    items: Vec<T>,
}

impl<T: Ord> Default for VecSet<T> {
    fn default() -> Self {
        VecSet::new()
    }
}

impl<T: Ord> VecSet<T> {
    pub fn new() -> Self {
        VecSet { items: Vec::new() }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    #[inline]
    pub fn contains(&self, item: &T) -> bool {
        self.items.binary_search(item).is_ok()
    }

    /// Insert; false if it was there already.
    pub fn insert(&mut self, item: T) -> bool {
        match self.items.binary_search(&item) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item);
                true
            }
        }
    }

    pub fn remove(&mut self, item: &T) -> bool {
        match self.items.binary_search(item) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Keep the items for which `keep` is true, visiting them in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

impl<'a, T: Ord> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

// Snapshots: each map is written as a sequence of (key, value) pairs in ascending key order
// and read back by inserting them, so the layout (window base, overflow) is rebuilt, not
// copied.

impl<K: SeqKey + serde::Serialize, V: serde::Serialize> serde::Serialize for SeqMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, K: SeqKey + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de>
    for SeqMap<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(K, V)>::deserialize(deserializer)?;
        let mut map = SeqMap::new();
        for (key, value) in pairs {
            map.insert(key, value);
        }
        Ok(map)
    }
}

impl<K: Ord + serde::Serialize, V: serde::Serialize> serde::Serialize for VecMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, K: Ord + serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de>
    for VecMap<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(K, V)>::deserialize(deserializer)?;
        let mut map = VecMap::new();
        for (key, value) in pairs {
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// A named id (agent, queue, station) usable as an [`IdMap`] key.
pub(crate) trait NamedId: Ord + Clone {
    /// The address of the id's interned text: equal exactly for equal ids (see `ids.rs`).
    fn text_addr(&self) -> usize;
}

/// The engine's agents.
pub(crate) type AgentMap<V> = IdMap<AgentId, V>;

/// A map keyed by named ids, ordered like `BTreeMap<K, V>` (iteration, serde), with
/// O(1) lookups: every id with a given text shares one interned text (see `ids.rs`), so a
/// small open-addressing table from the text's address to the entry's slot finds it
/// without comparing strings, and an address not in the table is a key not in the map.
#[derive(Debug, Clone)]
pub(crate) struct IdMap<K, V> {
    index: BTreeMap<K, u32>,
    slots: Vec<Option<V>>,
    free: Vec<u32>,
    /// (text address, slot); address 0 is an empty cell. Capacity a power of two, at most
    /// half full.
    table: Vec<(usize, u32)>,
}

impl<K: NamedId, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap::new()
    }
}

impl<K: NamedId, V> IdMap<K, V> {
    pub fn new() -> Self {
        IdMap {
            index: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            table: Vec::new(),
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    #[inline]
    fn cell(addr: usize, mask: usize) -> usize {
        (addr.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 7) & mask
    }

    /// Inlined into every lookup: a hash of the address and, almost always, one probe.
    #[inline(always)]
    fn slot_of(&self, key: &K) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let addr = key.text_addr();
        let mask = self.table.len() - 1;
        let mut i = Self::cell(addr, mask);
        loop {
            let (a, slot) = self.table[i];
            if a == addr {
                return Some(slot);
            }
            if a == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn rebuild_table(&mut self) {
        let size = (self.index.len() * 2).next_power_of_two().max(16);
        self.table.clear();
        self.table.resize(size, (0, 0));
        let mask = size - 1;
        for (key, &slot) in &self.index {
            let mut i = Self::cell(key.text_addr(), mask);
            while self.table[i].0 != 0 {
                i = (i + 1) & mask;
            }
            self.table[i] = (key.text_addr(), slot);
        }
    }

    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        let slot = self.slot_of(key)?;
        self.slots[slot as usize].as_ref()
    }

    #[inline]
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let slot = self.slot_of(key)?;
        self.slots[slot as usize].as_mut()
    }

    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        self.slot_of(key).is_some()
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(&slot) = self.index.get(&key) {
            return self.slots[slot as usize].replace(value);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(value);
                slot
            }
            None => {
                self.slots.push(Some(value));
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 agents")
            }
        };
        let addr = key.text_addr();
        self.index.insert(key, slot);
        if self.table.len() < self.index.len() * 2 {
            self.rebuild_table();
        } else {
            let mask = self.table.len() - 1;
            let mut i = Self::cell(addr, mask);
            while self.table[i].0 != 0 {
                i = (i + 1) & mask;
            }
            self.table[i] = (addr, slot);
        }
        None
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let slot = self.index.remove(key)?;
        let value = self.slots[slot as usize].take();
        self.free.push(slot);
        self.rebuild_table();
        value
    }

    /// Entries in ascending id order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.index
            .iter()
            .filter_map(|(k, &slot)| self.slots[slot as usize].as_ref().map(|v| (k, v)))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.index.keys()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

impl<'a, K: NamedId, V> IntoIterator for &'a IdMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Box<dyn Iterator<Item = (&'a K, &'a V)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<K: NamedId, V> std::ops::Index<&K> for IdMap<K, V> {
    type Output = V;

    fn index(&self, key: &K) -> &V {
        self.get(key).expect("no entry for key")
    }
}

impl<K: NamedId + serde::Serialize, V: serde::Serialize> serde::Serialize for IdMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The same form as the `BTreeMap<K, V>` it replaces.
        serializer.collect_map(self.iter())
    }
}

impl<'de, K, V> serde::Deserialize<'de> for IdMap<K, V>
where
    K: NamedId + serde::Deserialize<'de>,
    V: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<K, V>::deserialize(deserializer)?;
        let mut out = IdMap::new();
        for (key, value) in map {
            out.insert(key, value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_map_behaves_like_a_btree_map() {
        // A deterministic pseudo-random mix of inserts (mostly increasing ids, some far
        // jumps) and removals, compared with BTreeMap after every step.
        let mut ours: SeqMap<ContactId, u64> = SeqMap::new();
        let mut reference: BTreeMap<ContactId, u64> = BTreeMap::new();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = 1u64;
        for step in 0..200_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let r = state % 100;
            if r < 45 {
                let id = ContactId(next);
                next += if r == 0 { 5_000 } else { 1 };
                assert_eq!(ours.insert(id, step), reference.insert(id, step));
            } else if r < 50 && !reference.is_empty() {
                // Replace an existing one.
                let k = *reference
                    .keys()
                    .nth((state as usize / 7) % reference.len())
                    .unwrap();
                assert_eq!(ours.insert(k, step), reference.insert(k, step));
            } else if !reference.is_empty() {
                // Remove mostly old entries, sometimes keep one for long.
                let n = reference.len();
                let i = if r < 95 { 0 } else { (state as usize / 3) % n };
                let k = *reference.keys().nth(i.min(n - 1)).unwrap();
                if k.0 % 97 != 0 || r > 98 {
                    if step % 2 == 0 {
                        assert_eq!(ours.remove(&k), reference.remove(&k));
                    } else {
                        assert_eq!(ours.discard(&k), reference.remove(&k).is_some());
                    }
                }
            }
            assert_eq!(ours.len(), reference.len());
            if step % 997 == 0 {
                let a: Vec<_> = ours.iter().map(|(k, v)| (*k, *v)).collect();
                let b: Vec<_> = reference.iter().map(|(k, v)| (*k, *v)).collect();
                assert_eq!(a, b);
                for k in reference.keys() {
                    assert_eq!(ours.get(k), reference.get(k));
                }
                assert!(ours.window.len() <= SeqMap::<ContactId, u64>::window_cap(ours.len()) + 1);
            }
            let probe = ContactId(state % (next + 10));
            assert_eq!(ours.get(&probe), reference.get(&probe));
            assert_eq!(ours.remove(&ContactId(u64::MAX)), None);
            assert!(!ours.discard(&ContactId(u64::MAX)));
        }
    }

    #[test]
    fn vec_map_and_set_keep_order() {
        let mut m = VecMap::new();
        for k in [5, 1, 3, 9, 7] {
            assert_eq!(m.insert(k, k * 10), None);
        }
        assert_eq!(m.insert(3, 33), Some(30));
        assert_eq!(m.remove(&9), Some(90));
        assert_eq!(
            m.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![1, 3, 5, 7]
        );
        assert_eq!(m.get(&3), Some(&33));
        let mut s = VecSet::new();
        assert!(s.insert("b"));
        assert!(s.insert("a"));
        assert!(!s.insert("b"));
        assert!(s.remove(&"a"));
        assert_eq!(s.into_iter().copied().collect::<Vec<_>>(), vec!["b"]);
    }
}
