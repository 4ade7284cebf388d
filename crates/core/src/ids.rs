//! Identifiers. Agents, queues and stations are named by the customer (strings, cheap to clone);
//! contacts and offers are numbered by the engine in creation order, so a replay numbers them alike.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;

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

/// How an id holds its [`IdText`]: one pointer to the text interned for the life of the
/// process. Cloning and dropping an id — which the engine does for every event, key and
/// timer — is a copy with no drop code at all: a reference count here (even one only taken
/// for ids outside the configuration, behind a never-taken branch) measured about a tenth of
/// the simulator's time. Interned texts are never freed, so the names that may be interned
/// are bounded: configuration, the journal and scenarios intern ([`AgentId::new`]); a name
/// taken from a request that must already exist is looked up with `existing` instead, which
/// interns nothing (the server does so for every path and body naming an agent, queue or
/// station), as Erlang's `binary_to_existing_atom` guards its atom table.
#[derive(Clone, Copy)]
struct IdRef(&'static IdText);

impl IdRef {
    #[inline]
    fn get(&self) -> &'static IdText {
        self.0
    }

    /// Equal exactly for equal texts (one interned text per distinct id).
    #[inline]
    fn addr(&self) -> usize {
        std::ptr::from_ref(self.0).addr()
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
        /// Equality is one address compare; order is an 8-byte prefix first, then the
        /// rest — the same order as the string itself.
        #[derive(Clone)]
        pub struct $name {
            inner: IdRef,
        }

        impl $name {
            /// The id with this text, interning it if it is new. For names from
            /// configuration, the journal and scenarios; a request naming something that
            /// must exist uses [`Self::existing`], so arbitrary input cannot grow the
            /// interned set.
            pub fn new(id: &str) -> Self {
                $name {
                    inner: IdRef(register(id)),
                }
            }
            /// The id with this text if it was ever interned (configured, journaled, named
            /// by a scenario); `None` means nothing by that name exists. Interns nothing.
            pub fn existing(id: &str) -> Option<Self> {
                registry_lookup(id).map(|text| $name { inner: IdRef(text) })
            }
            pub fn as_str(&self) -> &str {
                &self.inner.get().text
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl PartialEq for $name {
            /// One interned text per distinct id: equal ids share an address.
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.inner.addr() == other.inner.addr()
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
            /// The address of the id's interned text: equal exactly for equal ids (the
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

        /// On the wire a string of the id alphabet (`config::check_id`).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::schema::id_schema(concat!(
                    stringify!($name),
                    ": 1–64 letters, digits or - _ . : @ +, chosen by the customer."
                ))
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
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
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

    #[test]
    // The test sends ids to other threads, as the server does with events.
    #[allow(clippy::disallowed_methods)]
    fn ids_are_interned_and_existing_interns_nothing() {
        // Unique texts: the registry is global to the test process.
        assert_eq!(AgentId::existing("ids-test-never-named"), None);
        assert_eq!(
            AgentId::existing("ids-test-never-named"),
            None,
            "looking up does not intern"
        );
        let a = AgentId::new("ids-test-agent-name");
        let b = AgentId::new(&String::from("ids-test-agent-name"));
        assert_eq!(a.text_addr(), b.text_addr(), "one text per distinct id");
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        let found = AgentId::existing("ids-test-agent-name").expect("interned");
        assert_eq!(found.text_addr(), a.text_addr());
        // The registry is shared by the kinds: a queue named like an agent is the same text.
        assert_eq!(
            QueueId::existing("ids-test-agent-name").map(|q| q.text_addr()),
            Some(a.text_addr())
        );
        // Ids made on several threads at once still get one text.
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| AgentId::new("ids-test-threads").text_addr()))
            .collect();
        let addrs: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(addrs.iter().all(|&x| x == addrs[0]), "{addrs:?}");
        assert_eq!(
            AgentId::new("ids-test-threads").as_str(),
            "ids-test-threads"
        );
        assert!(!std::mem::needs_drop::<AgentId>(), "no drop code");
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
