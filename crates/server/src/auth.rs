//! API keys: `Authorization: Bearer <secret>`. The store keeps SHA-256 hashes only; a secret
//! is shown once, when it is made. Roles: admin, supervisor, agent (bound to one agent id),
//! connector; the Data Download View permission is a flag on any key (admin keys have it).

use crate::AppState;
use crate::clock::rfc3339;
use crate::error::{ApiError, ErrorCode};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use switchboard_core::ids::AgentId;
use switchboard_store::postgres::DomainReader;
use switchboard_store::{KeyRecord, NewKey, Store};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
    Connector,
}

impl Role {
    /// The wire name, as serde spells it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Role as strum::VariantArray>::VARIANTS
            .iter()
            .copied()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?} (admin, supervisor, agent, connector)"))
    }
}

/// The caller, as its key says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: i64,
    pub role: Role,
    /// For agent keys: the one agent the key acts as.
    pub agent: Option<AgentId>,
    pub data_download: bool,
    /// The key's label (`keys create --label`), to say who did what (a queue's emergency).
    pub label: String,
    /// When the key stops working (ms since the Unix epoch, the wall clock); `None`: never.
    pub expires_at: Option<i64>,
}

impl Principal {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let wanted: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "this needs a key with role {}; this key is {}",
                wanted.join(" or "),
                self.role.as_str()
            )))
        }
    }

    /// 403 unless the caller may act for `agent` (admins may; agents only for themselves).
    pub fn require_agent(&self, agent: &AgentId) -> Result<(), ApiError> {
        self.require_agent_named(agent.as_str())
    }

    /// [`Self::require_agent`] for an agent named in a request (which may name no agent).
    pub fn require_agent_named(&self, agent: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Agent if self.agent.as_ref().map(AgentId::as_str) == Some(agent) => Ok(()),
            Role::Agent => Err(ApiError::forbidden(format!(
                "this key acts as agent {}, not {agent}",
                self.agent.as_ref().map_or("?", |a| a.as_str())
            ))),
            _ => Err(ApiError::forbidden(format!(
                "this needs an agent key (or admin); this key is {}",
                self.role.as_str()
            ))),
        }
    }

    pub fn require_data_download(&self) -> Result<(), ApiError> {
        if self.data_download {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "reports need a key with the Data Download View permission",
            ))
        }
    }
}

/// Hex SHA-256 of a secret: what the store keeps.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// A new random secret: `sbk_` and 32 random bytes in hex (256 bits).
pub fn generate_secret() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the key: {e}"))?;
    let mut secret = String::from("sbk_");
    for byte in bytes {
        let _ = write!(secret, "{byte:02x}");
    }
    Ok(secret)
}

/// Stores a key for `secret` that stops working at `expires_at` (ms since the Unix epoch;
/// `None`: never); returns its id.
#[allow(clippy::too_many_arguments)] // one per column of the key
pub fn store_key(
    store: &Store,
    secret: &str,
    role: Role,
    agent: Option<&AgentId>,
    data_download: bool,
    label: &str,
    now_ms: i64,
    expires_at: Option<i64>,
) -> anyhow::Result<i64> {
    if (role == Role::Agent) != agent.is_some() {
        anyhow::bail!("an agent key needs --agent ID, and only an agent key takes one");
    }
    Ok(store.insert_key(&NewKey {
        hash: hash_secret(secret),
        label: label.to_string(),
        role: role.as_str().to_string(),
        agent: agent.map(|a| a.as_str().to_string()),
        data_download: data_download || role == Role::Admin,
        created_at: now_ms,
        expires_at,
    })?)
}

/// How long a key found in the store is trusted without looking again: a key revoked with
/// `switchboard keys revoke` while the server runs stops working within this time.
pub const KEY_CACHE_SECONDS: u64 = 1;

/// Keys remembered at most; past it the cache starts again empty.
pub const KEY_CACHE_ENTRIES: usize = 200_000;

/// Looks keys up by hash: a cache in front of the store's `api_keys` table, so keys made with
/// `switchboard keys create` while the server runs work at once, and revoked ones stop
/// working within [`KEY_CACHE_SECONDS`].
pub struct Keys {
    source: KeySource,
    cache: Mutex<BTreeMap<String, (std::time::Instant, Principal)>>,
    /// The store's revocation mark and when it was read: one read a second at most, however
    /// many event streams ask.
    revocations: Mutex<Option<(std::time::Instant, (i64, i64))>>,
}

/// Where keys are looked up: the embedded store, or one domain of the cluster store (a key
/// of another domain is not found there: tenant isolation by construction).
enum KeySource {
    Sqlite(Box<Mutex<Store>>),
    Postgres(DomainReader),
}

impl KeySource {
    async fn find_key(
        &self,
        hash: &str,
    ) -> Result<Option<KeyRecord>, switchboard_store::StoreError> {
        match self {
            KeySource::Sqlite(store) => store.lock().expect("key reader").find_key(hash),
            KeySource::Postgres(reader) => reader.find_key(hash).await,
        }
    }

    async fn revocation_mark(&self) -> Result<(i64, i64), switchboard_store::StoreError> {
        match self {
            KeySource::Sqlite(store) => store.lock().expect("key reader").revocation_mark(),
            KeySource::Postgres(reader) => reader.revocation_mark().await,
        }
    }
}

impl Keys {
    pub fn new(reader: Store) -> Self {
        Self::with_source(KeySource::Sqlite(Box::new(Mutex::new(reader))))
    }

    /// The keys of one domain of the cluster store.
    pub fn postgres(reader: DomainReader) -> Self {
        Self::with_source(KeySource::Postgres(reader))
    }

    fn with_source(source: KeySource) -> Self {
        Keys {
            source,
            cache: Mutex::new(BTreeMap::new()),
            revocations: Mutex::new(None),
        }
    }

    pub async fn find(&self, secret: &str) -> Result<Option<Principal>, ApiError> {
        self.find_hash(hash_secret(secret)).await
    }

    /// The store's revocation mark ([`Store::revocation_mark`]), read again at most once per
    /// [`KEY_CACHE_SECONDS`]; `None` when the store cannot be read now.
    pub async fn revocation_mark(&self) -> Option<(i64, i64)> {
        let fresh = std::time::Duration::from_secs(KEY_CACHE_SECONDS);
        if let Some((read, mark)) = *self.revocations.lock().expect("revocation mark")
            && read.elapsed() < fresh
        {
            return Some(mark);
        }
        let mark = self.source.revocation_mark().await.ok()?;
        *self.revocations.lock().expect("revocation mark") =
            Some((std::time::Instant::now(), mark));
        Some(mark)
    }

    /// [`Self::find`] by the secret's hash, through the cache.
    pub async fn find_hash(&self, hash: String) -> Result<Option<Principal>, ApiError> {
        let fresh = std::time::Duration::from_secs(KEY_CACHE_SECONDS);
        if let Some((checked, found)) = self.cache.lock().expect("key cache").get(&hash)
            && checked.elapsed() < fresh
        {
            return Ok(Some(found.clone()));
        }
        self.look_up(hash).await
    }

    /// The key with this hash as the store has it now, past the cache (which it refreshes):
    /// what a stream asks after a revocation, when a cached answer could be a second old.
    pub async fn look_up(&self, hash: String) -> Result<Option<Principal>, ApiError> {
        let record = self
            .source
            .find_key(&hash)
            .await
            .map_err(ApiError::internal)?;
        let principal = record.and_then(principal_of);
        let mut cache = self.cache.lock().expect("key cache");
        // Only live keys are cached (an unknown secret is not), so the cache is bounded by
        // the keys the store holds; a centre with 20,000 agent keys must not thrash it.
        if cache.len() > KEY_CACHE_ENTRIES {
            cache.clear();
        }
        match &principal {
            Some(found) => {
                cache.insert(hash, (std::time::Instant::now(), found.clone()));
            }
            None => {
                cache.remove(&hash);
            }
        }
        Ok(principal)
    }
}

fn principal_of(record: KeyRecord) -> Option<Principal> {
    let role: Role = record.role.parse().ok()?;
    Some(Principal {
        key_id: record.id,
        role,
        agent: record.agent.as_deref().map(AgentId::new),
        data_download: record.data_download,
        label: record.label,
        expires_at: record.expires_at,
    })
}

/// The hash of the key a request came with (put in the request's extensions when the key is
/// accepted): an event stream looks its key up again while it is open.
#[derive(Debug, Clone)]
pub struct KeyHash(pub String);

/// How often an open event stream looks its key up again: a revoked key's stream ends within
/// this time (plus [`KEY_CACHE_SECONDS`]); an expiring key's stream ends at its expiry.
pub const STREAM_KEY_CHECK_SECONDS: u64 = 5;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <key>"))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|value| {
                // The scheme is case-insensitive (RFC 7235, section 2.1).
                let (scheme, secret) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(secret)
            })
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be Bearer <key>")
            })?;
        let principal = state
            .keys
            .find(secret)
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked key"))?;
        parts.extensions.insert(KeyHash(hash_secret(secret)));
        // Expiry is checked at every use, cached key or not: the wall clock, not the engine's
        // (a demo at --speed 10 does not age its keys ten times faster).
        if let Some(at) = principal.expires_at
            && crate::clock::wall_ms() >= at
        {
            return Err(ApiError::new(
                ErrorCode::KeyExpired,
                format!("key {} expired at {}", principal.key_id, rfc3339(at)),
            ));
        }
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_are_random_and_long() {
        let (a, b) = (generate_secret().unwrap(), generate_secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
    }
}
