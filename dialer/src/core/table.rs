//! [`CallTable`]: calls in flight, indexed by id.

use super::CallId;
use std::collections::VecDeque;

/// Calls in flight, keyed by [`CallId`]. Ids are handed out in increasing order and calls end
/// roughly in the order they started, so the table is a window of slots from the oldest call
/// still in flight to the newest: lookups are an index, inserts an append, and slots of ended
/// calls are reclaimed from the front. Its size is the number of calls started during the
/// longest call still in flight, never the length of the run.
#[derive(Debug, Clone)]
pub struct CallTable<T> {
    /// The id of `slots[0]`.
    base: u64,
    slots: VecDeque<Option<T>>,
    len: usize,
}

impl<T> Default for CallTable<T> {
    fn default() -> Self {
        CallTable::new()
    }
}

impl<T> CallTable<T> {
    /// An empty table.
    pub const fn new() -> Self {
        CallTable { base: 0, slots: VecDeque::new(), len: 0 }
    }

    #[inline]
    fn slot(&self, id: CallId) -> Option<usize> {
        let i = id.0.checked_sub(self.base)?;
        (i < self.slots.len() as u64).then_some(i as usize)
    }

    /// The call with this id, if in flight.
    #[inline]
    pub fn get(&self, id: CallId) -> Option<&T> {
        self.slots.get(self.slot(id)?)?.as_ref()
    }

    /// The call with this id, if in flight, to change.
    #[inline]
    pub fn get_mut(&mut self, id: CallId) -> Option<&mut T> {
        let i = self.slot(id)?;
        self.slots.get_mut(i)?.as_mut()
    }

    /// Whether a call with this id is in flight.
    pub fn contains(&self, id: CallId) -> bool {
        self.get(id).is_some()
    }

    /// Adds a call. Ids at or above every id seen are appended; an id older than the window's
    /// start (possible only for ids handed out long ago and used late) widens it at the front.
    /// Returns the call already under this id, if any (and keeps the new one).
    #[inline]
    pub fn insert(&mut self, id: CallId, call: T) -> Option<T> {
        if id.0.wrapping_sub(self.base) == self.slots.len() as u64 && !self.slots.is_empty() {
            // The usual case: the newest id, appended.
            self.slots.push_back(Some(call));
            self.len += 1;
            return None;
        }
        self.insert_elsewhere(id, call)
    }

    /// [`CallTable::insert`] of an id that is not the next one after the window.
    #[inline(never)]
    fn insert_elsewhere(&mut self, id: CallId, call: T) -> Option<T> {
        if self.slots.is_empty() {
            self.base = id.0;
        }
        while id.0 < self.base {
            self.slots.push_front(None);
            self.base -= 1;
        }
        let i = (id.0 - self.base) as usize;
        if i == self.slots.len() {
            // The usual case: the newest id, appended.
            self.slots.push_back(Some(call));
            self.len += 1;
            return None;
        }
        if i > self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        let old = self.slots[i].replace(call);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Removes and returns the call with this id.
    #[inline]
    pub fn remove(&mut self, id: CallId) -> Option<T> {
        let i = self.slot(id)?;
        let call = self.slots[i].take()?;
        self.len -= 1;
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(call)
    }

    /// Calls in flight.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no call is in flight.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_map_whatever_the_order() {
        let mut t = CallTable::default();
        let mut model = std::collections::BTreeMap::new();
        // A deterministic shuffle of inserts and removes, ids mostly increasing with gaps.
        let mut x: u64 = 12345;
        let mut next = 100;
        for _ in 0..5000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if x >> 62 != 0 {
                next += 1 + (x >> 40) % 3;
                let id = if (x >> 20).is_multiple_of(50) { next.saturating_sub(300) } else { next };
                assert_eq!(t.insert(CallId(id), id * 2), model.insert(id, id * 2));
            } else if let Some(&id) = model.keys().nth(((x >> 30) % (model.len() as u64 + 1)) as usize) {
                assert_eq!(t.remove(CallId(id)), model.remove(&id));
            }
            assert_eq!(t.len(), model.len());
        }
        for (id, v) in &model {
            assert_eq!(t.get(CallId(*id)), Some(v));
        }
        assert_eq!(t.get(CallId(1)), None);
        assert_eq!(t.remove(CallId(u64::MAX)), None);
    }

    #[test]
    fn reclaims_slots_from_the_front() {
        let mut t = CallTable::default();
        for id in 1..=1000 {
            t.insert(CallId(id), ());
        }
        for id in 1..=999 {
            t.remove(CallId(id));
        }
        assert_eq!(t.slots.len(), 1);
        assert!(t.contains(CallId(1000)));
    }
}
