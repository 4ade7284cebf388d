//! The cluster store: the same data as the embedded SQLite store, in PostgreSQL, for many
//! routing domains at once. Every table has the domain as the first column of its primary key
//! and every query names one domain, so the schema can be distributed by domain (Citus:
//! `domain` as the distribution column) without a change of code.

pub mod projection;
