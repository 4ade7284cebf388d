//! config

use crate::engine::Engine;

impl Engine {}
