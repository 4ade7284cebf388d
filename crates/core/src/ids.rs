//! Identifiers. Agents, queues and stations are named by the customer (strings, cheap to clone);
//! contacts and offers are numbered by the engine in creation order, so a replay numbers them alike.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Arc<str>);

        impl $name {
            pub fn new(id: &str) -> Self {
                $name(Arc::from(id))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name::new(id)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
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
