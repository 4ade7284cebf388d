//! Where a domain's data is read from, off the engine thread: the embedded store's data
//! directory (a single node) or one domain of the PostgreSQL cluster store. The engine thread
//! writes through [`switchboard_store::Journal`]; these are the readers beside it (the event
//! streams' catch-up, contact timelines, reports).

use std::path::PathBuf;
use switchboard_store::postgres::DomainReader;
use switchboard_store::{JournalEntry, Store, StoreError};

#[derive(Clone)]
pub enum Backend {
    /// The data directory of `switchboard serve --data DIR`.
    Sqlite(PathBuf),
    /// One domain of `switchboard serve --store postgres://…`.
    Postgres(DomainReader),
}

impl Backend {
    /// Journal entries after `after`, at most `limit`, in order.
    pub async fn read_journal(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        match self {
            Backend::Sqlite(dir) => {
                on_sqlite(dir, move |store| store.read_journal(after, limit)).await
            }
            Backend::Postgres(reader) => reader.read_journal(after, limit).await,
        }
    }

    /// The journal entries about `contact`, at most `limit`, in order.
    pub async fn contact_history(
        &self,
        contact: u64,
        limit: usize,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        match self {
            Backend::Sqlite(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    Store::open_existing(&dir)
                        .and_then(|store| store.contact_history(contact, limit))
                })
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?
            }
            Backend::Postgres(reader) => reader.contact_history(contact, limit).await,
        }
    }
}

/// Runs `read` on a reader of the data directory `dir`, off the async threads.
async fn on_sqlite<T: Send + 'static>(
    dir: &std::path::Path,
    read: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || Store::open_existing(&dir).and_then(|store| read(&store)))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
}
