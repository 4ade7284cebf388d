//! The projection tables in PostgreSQL (see `crate::projection` for SQLite).
//! PLACEHOLDER while the PostgreSQL projections are written on branch `pgrep`: no tables,
//! nothing projected.

use crate::Result;
use switchboard_core::event::EventRecord;

pub const SCHEMA: &str = "";
pub const TABLES: &[&str] = &[];

#[derive(Debug, Default)]
pub struct PgProjector;

impl PgProjector {
    pub async fn load(_client: &impl tokio_postgres::GenericClient, _domain: &str) -> Result<Self> {
        Ok(PgProjector)
    }
    pub async fn apply(
        &mut self,
        _client: &impl tokio_postgres::GenericClient,
        _domain: &str,
        _first: u64,
        _records: &[EventRecord],
    ) -> Result<()> {
        Ok(())
    }
}
