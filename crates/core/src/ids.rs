//! Identifiers. Agents, queues and stations are named by the customer (strings, cheap to clone);
//! contacts and offers are numbered by the engine in creation order, so a replay numbers them alike.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
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

/// The shared part of a named id: its sort prefix and its text, behind one thin pointer, so
/// an id is 8 bytes (events, keys and timers that carry ids stay small to copy).
struct IdText {
    key: u64,
    text: Box<str>,
}

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Compared on every index lookup: clones of one id by address, others by an 8-byte
        /// prefix first, then the rest — the same order as the string itself.
        #[derive(Clone)]
        pub struct $name {
            inner: Arc<IdText>,
        }

        impl $name {
            pub fn new(id: &str) -> Self {
                $name {
                    inner: Arc::new(IdText {
                        key: prefix_key(id),
                        text: Box::from(id),
                    }),
                }
            }
            pub fn as_str(&self) -> &str {
                &self.inner.text
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.inner.text)
            }
        }

        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                if Arc::ptr_eq(&self.inner, &other.inner) {
                    return true;
                }
                let (a, b) = (&*self.inner, &*other.inner);
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
                if Arc::ptr_eq(&self.inner, &other.inner) {
                    return std::cmp::Ordering::Equal;
                }
                let (a, b) = (&*self.inner, &*other.inner);
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
                self.inner.text.hash(state);
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.inner.text)
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
                &self.inner.text
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.inner.text)
            }
        }
    };
}

name_id!(
    /// An agent's id as configured (e.g. "a1001").
    AgentId
);
impl AgentId {
    /// The address of the shared id: equal for clones of one id, and unique among ids
    /// alive at the same time (the engine's agent table uses it).
    #[inline]
    pub(crate) fn text_addr(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }
}

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
