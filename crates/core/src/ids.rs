//! Identifiers. Agents, queues and stations are named by the customer (strings, cheap to clone);
//! contacts and offers are numbered by the engine in creation order, so a replay numbers them alike.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

/// The first eight bytes of an id, big-endian and zero-padded: comparing these first gives
/// the order of `str` (ids contain no NUL byte), so most comparisons are one integer compare.
#[inline]
fn prefix_key(id: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = id.len().min(8);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// The shared part of a named id: its sort prefix and its text.
struct IdText {
    key: u64,
    text: Box<str>,
}

/// How an id holds its [`IdText`]: one pointer, tagged in its low bit.
///
/// Ids of configured agents, queues and stations are *registered*: interned for the life of
/// the process, so cloning and dropping them — which the engine does for every event, key
/// and timer — is a copy, with no atomic reference count (those took about a fifth of the
/// simulator's time). Any other id (built from a request naming something that does not
/// exist, or does not exist yet) is *shared*: reference-counted like an `Arc`, so arbitrary
/// input cannot grow the registry; the registry grows only with configuration.
struct IdRef(NonNull<IdText>);

/// The tag of a shared id. `IdText` is 8-byte aligned, so the low bit of its address is free.
const SHARED: usize = 1;

// SAFETY: an `IdRef` points to an `IdText` (plain owned data: Send + Sync) that is either
// leaked (`&'static`) or kept alive by the strong count this `IdRef` holds, exactly like an
// `Arc<IdText>`, which is Send + Sync.
unsafe impl Send for IdRef {}
unsafe impl Sync for IdRef {}

impl IdRef {
    fn from_registered(text: &'static IdText) -> IdRef {
        IdRef(NonNull::from(text))
    }

    fn from_shared(text: Arc<IdText>) -> IdRef {
        let ptr = Arc::into_raw(text).cast_mut();
        debug_assert_eq!(ptr.addr() & SHARED, 0, "IdText is aligned");
        // The pointer came from an Arc, so it is not null; tagging keeps it non-null.
        IdRef(NonNull::new(ptr.map_addr(|a| a | SHARED)).expect("non-null"))
    }

    #[inline]
    fn is_shared(&self) -> bool {
        self.0.as_ptr().addr() & SHARED != 0
    }

    #[inline]
    fn ptr(&self) -> *const IdText {
        self.0.as_ptr().map_addr(|a| a & !SHARED).cast_const()
    }

    #[inline]
    fn get(&self) -> &IdText {
        // SAFETY: the text is leaked or kept alive by this IdRef's strong count (see above).
        unsafe { &*self.ptr() }
    }

    /// Equal for clones of one id (and for every registered id with the same text).
    #[inline]
    fn addr(&self) -> usize {
        self.ptr().addr()
    }

    fn new(id: &str) -> IdRef {
        match registry_lookup(id) {
            Some(text) => IdRef::from_registered(text),
            None => IdRef::from_shared(Arc::new(IdText {
                key: prefix_key(id),
                text: Box::from(id),
            })),
        }
    }

    fn registered(&self) -> IdRef {
        if self.is_shared() {
            IdRef::from_registered(register(&self.get().text))
        } else {
            IdRef(self.0)
        }
    }
}

impl Clone for IdRef {
    #[inline]
    fn clone(&self) -> Self {
        if self.is_shared() {
            // SAFETY: `ptr` came from `Arc::into_raw` and this IdRef holds one strong count,
            // so the allocation is alive; the clone takes a count of its own.
            unsafe { Arc::increment_strong_count(self.ptr()) }
        }
        IdRef(self.0)
    }
}

impl Drop for IdRef {
    #[inline]
    fn drop(&mut self) {
        if self.is_shared() {
            // SAFETY: gives back the strong count this IdRef holds (taken by `from_shared`
            // or `clone`), as dropping the Arc would.
            unsafe { Arc::decrement_strong_count(self.ptr()) }
        }
    }
}

/// Never iterated (so its order cannot leak into results); a B-tree like every map here.
type Registry = std::collections::BTreeMap<&'static str, &'static IdText>;

fn registry() -> &'static std::sync::RwLock<Registry> {
    static REGISTRY: std::sync::OnceLock<std::sync::RwLock<Registry>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn registry_lookup(id: &str) -> Option<&'static IdText> {
    let map = registry()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(id).copied()
}

/// The interned text of `id`, made once per distinct id (never freed).
fn register(id: &str) -> &'static IdText {
    if let Some(text) = registry_lookup(id) {
        return text;
    }
    let mut map = registry()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(text) = map.get(id) {
        return text;
    }
    let text: &'static IdText = Box::leak(Box::new(IdText {
        key: prefix_key(id),
        text: Box::from(id),
    }));
    map.insert(&text.text, text);
    text
}

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Compared on every index lookup: clones of one id by address, others by an 8-byte
        /// prefix first, then the rest — the same order as the string itself.
        #[derive(Clone)]
        pub struct $name {
            inner: IdRef,
        }

        impl $name {
            /// The id with this text: the registered one if there is one.
            pub fn new(id: &str) -> Self {
                $name {
                    inner: IdRef::new(id),
                }
            }
            pub fn as_str(&self) -> &str {
                &self.inner.get().text
            }
            /// The same id, registered (interned for the life of the process: cheap to
            /// clone). The engine registers the ids of what it is configured with.
            pub fn registered(&self) -> Self {
                $name {
                    inner: self.inner.registered(),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                if self.inner.addr() == other.inner.addr() {
                    return true;
                }
                let (a, b) = (self.inner.get(), other.inner.get());
                a.key == b.key
                    && a.text.len() == b.text.len()
                    && (a.text.len() <= 8 || a.text[8..] == b.text[8..])
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            #[inline]
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                if self.inner.addr() == other.inner.addr() {
                    return std::cmp::Ordering::Equal;
                }
                let (a, b) = (self.inner.get(), other.inner.get());
                // Equal prefixes: the first eight bytes (or the whole of a shorter id) are
                // equal, so only the rest is left to compare.
                a.key.cmp(&b.key).then_with(|| {
                    let (x, y) = (a.text.len(), b.text.len());
                    if x <= 8 || y <= 8 {
                        x.cmp(&y)
                    } else {
                        a.text.as_bytes()[8..].cmp(&b.text.as_bytes()[8..])
                    }
                })
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok($name::new(&text))
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name::new(id)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }

        impl crate::engine::NamedId for $name {
            /// The address of the id's text: equal for clones of one id (and for registered
            /// ids with the same text), and unique among texts alive at the same time (the
            /// engine's id tables use it).
            #[inline]
            fn text_addr(&self) -> usize {
                self.inner.addr()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

name_id!(
    /// An agent's id as configured (e.g. "a1001").
    AgentId
);

name_id!(
    /// A queue's id as configured (e.g. "sales").
    QueueId
);
name_id!(
    /// A station's id as configured (e.g. "st-17").
    StationId
);

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

number_id!(
    /// A contact's id, assigned by the engine (1, 2, 3, …). A transfer keeps the id.
    ContactId,
    "c"
);
number_id!(
    /// An offer's id, assigned by the engine. One offer = one contact presented to one agent.
    OfferId,
    "o"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::NamedId;

    /// The strong count of a shared id's text (None for a registered id).
    fn strong_count(id: &AgentId) -> Option<usize> {
        id.inner.is_shared().then(|| {
            // SAFETY: a shared IdRef holds a strong count, so the Arc is alive; the extra
            // count taken here is given back before returning.
            unsafe {
                Arc::increment_strong_count(id.inner.ptr());
                let arc = Arc::from_raw(id.inner.ptr());
                let count = Arc::strong_count(&arc) - 1;
                drop(arc);
                count
            }
        })
    }

    #[test]
    // The test sends ids to other threads, as the server does with events.
    #[allow(clippy::disallowed_methods)]
    fn shared_ids_count_references_and_registered_ones_are_interned() {
        // Unique texts: the registry is global to the test process.
        let a = AgentId::new("ids-test-shared-agent-name");
        assert_eq!(strong_count(&a), Some(1));
        let b = a.clone();
        assert_eq!(strong_count(&a), Some(2));
        assert_eq!(a, b);
        drop(b);
        assert_eq!(strong_count(&a), Some(1));

        let r = a.registered();
        assert_eq!(strong_count(&r), None, "registered");
        assert_eq!(r, a);
        assert_eq!(r.cmp(&a), std::cmp::Ordering::Equal);
        assert_eq!(strong_count(&a), Some(1), "registering takes no count");
        // After registration, the same text gives the registered id (same address).
        let again = AgentId::new("ids-test-shared-agent-name");
        assert_eq!(strong_count(&again), None);
        assert_eq!(again.text_addr(), r.text_addr());
        assert_eq!(a.registered().text_addr(), r.text_addr());
        // Ids cross threads like Arcs: clones made and dropped elsewhere keep the count right.
        let other = AgentId::new("ids-test-threads");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let id = other.clone();
                std::thread::spawn(move || {
                    let copies: Vec<AgentId> = (0..1000).map(|_| id.clone()).collect();
                    copies.len()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 1000);
        }
        assert_eq!(strong_count(&other), Some(1));
        assert_eq!(other.as_str(), "ids-test-threads");
        assert_eq!(std::mem::size_of::<AgentId>(), 8);
        assert_eq!(std::mem::size_of::<Option<AgentId>>(), 8);
    }

    #[test]
    fn id_order_is_string_order() {
        let words = [
            "",
            "a",
            "a1",
            "a10",
            "a2",
            "a1000000",
            "a10000000",
            "a10000001",
            "agent-long-name",
            "agent-long-nam",
            "b",
            "Z",
            "z9",
            "queue.x",
            "queue.x.y",
            "q@1",
            "q+2",
        ];
        for x in words {
            for y in words {
                let (a, b) = (AgentId::new(x), AgentId::new(y));
                assert_eq!(a.cmp(&b), x.cmp(y), "{x:?} vs {y:?}");
                assert_eq!(a == b, x == y);
            }
        }
        let json = serde_json::to_string(&QueueId::new("sales")).unwrap();
        assert_eq!(json, "\"sales\"");
        assert_eq!(
            serde_json::from_str::<QueueId>(&json).unwrap(),
            QueueId::new("sales")
        );
        assert_eq!(format!("{:?}", AgentId::new("a1")), "AgentId(\"a1\")");
    }
}
