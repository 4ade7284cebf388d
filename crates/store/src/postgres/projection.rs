//! The projection tables in PostgreSQL (see `crate::projection` for SQLite).
