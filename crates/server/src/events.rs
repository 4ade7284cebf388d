//! `GET /v1/events`: the live event stream as Server-Sent Events.
//!
//! Every engine event goes out with its journal sequence number as the SSE `id`. A client that
//! reconnects with `Last-Event-ID: N` (or `?after=N`) first gets the journal entries after N
//! from the store, then the live feed, skipping what it already sent: no gap, no duplicate.
//! Without either, the stream starts live. Agents see only events about themselves.
//! Connector requests (deliver, cancel, dial, stop dial) go to connector and admin keys as
//! `connector_request` messages without an id: they are not journaled.
//!
//! The stream is the response body itself: it holds the stream's [`Subscription`], so when
//! the client goes away and the connection closes, the body is dropped and the slot is free
//! at once. Each key and each role has a budget of streams ([`crate::feed::StreamLimits`]).
//! A subscriber that falls more than its backlog behind is cut off with an `error` message
//! (code `lagged`) instead of buffering without bound; it reconnects with its last id.

use crate::AppState;
use crate::auth::{KeyHash, Keys, Principal, Role, STREAM_KEY_CHECK_SECONDS};
use crate::driver::Published;
use crate::error::{ApiError, ErrorCode, StreamErrorCode, StreamErrors};
use crate::extract::Params;
use crate::feed::{Audience, Ended, Holder, Subscription};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use switchboard_core::ids::AgentId;
use switchboard_store::JournalEntry;

/// Journal entries read per page when catching up.
const PAGE: usize = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Resume after this journal sequence number (like `Last-Event-ID`).
    after: Option<u64>,
}

/// The live event stream (SSE). Resumes without gaps from `Last-Event-ID`.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventsQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this journal sequence number (wins over `after`).")),
    responses((status = 200, content_type = "text/event-stream", body = crate::wire::StreamMessage,
        description = "Server-Sent Events: `id` = journal seq, `event` = the event type (or `connector_request`, `error`), `data` = `{seq, at, event}` as JSON"),
        StreamErrors))]
pub async fn events(
    State(state): State<AppState>,
    principal: Principal,
    axum::Extension(KeyHash(key_hash)): axum::Extension<KeyHash>,
    headers: HeaderMap,
    Params(query): Params<EventsQuery>,
) -> Result<Response, ApiError> {
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidLastEventId,
                        "Last-Event-ID must be a journal sequence number",
                    )
                })?,
        ),
    };
    let audience = match principal.role {
        Role::Agent => Audience::Agent(
            principal
                .agent
                .clone()
                .ok_or_else(|| ApiError::forbidden("this agent key is bound to no agent"))?,
        ),
        Role::Admin | Role::Connector => Audience::Everything {
            connector_requests: true,
        },
        Role::Supervisor => Audience::Everything {
            connector_requests: false,
        },
    };
    let holder = Holder::Key {
        role: principal.role,
        key_id: principal.key_id,
    };
    // Subscribe before reading the journal, so nothing committed in between is missed.
    let subscription = state
        .driver
        .feed()
        .subscribe(holder, audience)
        .map_err(|over| ApiError::new(ErrorCode::TooManySubscribers, over.to_string()))?;
    let last_seq = state.driver.last_seq();
    let after = last_event_id.or(query.after).unwrap_or(last_seq);
    // An id this journal never handed out (a data directory restored from an older backup):
    // resuming after it would silently skip everything up to it.
    if after > last_seq {
        return Err(ApiError::new(
            ErrorCode::InvalidLastEventId,
            format!(
                "event {after} is beyond the journal (last {last_seq}); reconnect without Last-Event-ID"
            ),
        ));
    }
    metrics::gauge!("switchboard_subscribers").set(state.driver.subscribers() as f64);
    let stream = Stream {
        agent: match subscription.audience() {
            Audience::Agent(agent) => Some(agent.clone()),
            Audience::Everything { .. } => None,
        },
        subscription,
        // Starting live needs no journal read: everything committed after `last_seq` was
        // published after the subscription was made.
        phase: if after == last_seq {
            Phase::Live
        } else {
            Phase::CatchUp
        },
        sent: after,
        ready: VecDeque::new(),
        backend: state.backend.clone(),
        epoch: state.epoch,
        stopping: state.stopping.clone(),
        key: KeyWatch {
            keys: state.keys.clone(),
            hash: key_hash,
            id: principal.key_id,
            expires_at: principal.expires_at,
            check: {
                let every = std::time::Duration::from_secs(STREAM_KEY_CHECK_SECONDS);
                let mut check =
                    tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                check
            },
            mark: None,
        },
    };
    let body = futures_util::stream::unfold(stream, |mut stream| async move {
        let message = stream.next().await?;
        Some((Ok::<_, Infallible>(message), stream))
    });
    Ok(Sse::new(body)
        .keep_alive(KeepAlive::default())
        .into_response())
}

enum Phase {
    /// Reading the journal after `sent`, a page at a time.
    CatchUp,
    /// Forwarding the live feed.
    Live,
    /// The last message (an error) was sent.
    Done,
}

/// One client's stream: the body of its response.
struct Stream {
    subscription: Subscription,
    /// For an agent's stream: the agent whose journal entries it gets while catching up
    /// (live, the feed's index sends it only that agent's events).
    agent: Option<AgentId>,
    phase: Phase,
    /// The last journal sequence number sent or passed over.
    sent: u64,
    /// Journal entries read while catching up, not yet sent.
    ready: VecDeque<JournalEntry>,
    backend: crate::backend::Backend,
    /// The domain's lease epoch on a cluster node, put on every connector request.
    epoch: Option<i64>,
    stopping: tokio::sync::watch::Receiver<bool>,
    key: KeyWatch,
}

/// The key a stream was opened with: the stream ends when the key expires or is revoked, as
/// a request with it would be refused.
struct KeyWatch {
    keys: std::sync::Arc<Keys>,
    hash: String,
    id: i64,
    expires_at: Option<i64>,
    /// When to look at the revocation mark again; kept across waits, so a busy stream
    /// checks too.
    check: tokio::time::Interval,
    /// The revocation mark when the key was last looked up (`None`: not yet, so the first
    /// check looks it up whatever the mark says).
    mark: Option<(i64, i64)>,
}

impl KeyWatch {
    /// Waits until the key stops working; says why.
    async fn lapsed(&mut self) -> (StreamErrorCode, String) {
        let expiry = async {
            match self.expires_at {
                None => std::future::pending::<()>().await,
                Some(at) => {
                    let left = (at - crate::clock::wall_ms()).max(0) as u64;
                    tokio::time::sleep(std::time::Duration::from_millis(left)).await;
                }
            }
        };
        let (keys, hash, check, seen) = (&self.keys, &self.hash, &mut self.check, &mut self.mark);
        let revocation = async {
            loop {
                check.tick().await;
                // The key itself is looked up only when some key was revoked since the last
                // look: 20,000 open streams cost one cheap query a second, not 4,000 lookups.
                let mark = keys.revocation_mark().await;
                if mark.is_none() || mark == *seen {
                    continue;
                }
                // A store that cannot be read now is not a revocation: look again later.
                match keys.look_up(hash.clone()).await {
                    Ok(None) => return,
                    Ok(Some(_)) => *seen = mark,
                    Err(_) => {}
                }
            }
        };
        tokio::select! {
            () = expiry => (
                StreamErrorCode::KeyExpired,
                format!(
                    "key {} expired at {}",
                    self.id,
                    crate::clock::rfc3339(self.expires_at.unwrap_or_default())
                ),
            ),
            () = revocation => (
                StreamErrorCode::KeyRevoked,
                format!("key {} was revoked", self.id),
            ),
        }
    }
}

impl Stream {
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(entry) = self.ready.pop_front() {
                return Some(sse_event(&entry));
            }
            match self.phase {
                Phase::Done => return None,
                Phase::CatchUp => {
                    if let Err(error) = self.read_page().await {
                        self.phase = Phase::Done;
                        return Some(error_event(StreamErrorCode::JournalUnreadable, &error));
                    }
                }
                Phase::Live => {
                    let received = tokio::select! {
                        received = self.subscription.recv() => received,
                        _ = self.stopping.wait_for(|stop| *stop) => Err(Ended::Closed),
                        (code, message) = self.key.lapsed() => {
                            self.phase = Phase::Done;
                            return Some(error_event(code, &message));
                        }
                    };
                    match received {
                        Ok(Published::Event(entry)) => {
                            if entry.seq <= self.sent {
                                continue;
                            }
                            self.sent = entry.seq;
                            return Some(sse_event(&entry));
                        }
                        Ok(Published::Connector(request)) => {
                            let message = crate::wire::ConnectorMessage {
                                request: &request,
                                epoch: self.epoch,
                            };
                            match SseEvent::default()
                                .event("connector_request")
                                .json_data(&message)
                            {
                                Ok(event) => return Some(event),
                                Err(_) => continue,
                            }
                        }
                        Err(Ended::Lagged) => {
                            self.phase = Phase::Done;
                            return Some(error_event(
                                StreamErrorCode::Lagged,
                                &format!(
                                    "this stream fell more than its backlog behind and was cut off; reconnect with Last-Event-ID: {}",
                                    self.sent
                                ),
                            ));
                        }
                        Err(Ended::Closed) => {
                            self.phase = Phase::Done;
                            return Some(error_event(
                                StreamErrorCode::ShuttingDown,
                                "the server is shutting down",
                            ));
                        }
                    }
                }
            }
        }
    }

    /// Reads the next page of the journal, off the async threads, keeping what this stream
    /// may see. A short page ends the catch-up.
    async fn read_page(&mut self) -> Result<(), String> {
        let page = self
            .backend
            .read_journal(self.sent, PAGE)
            .await
            .map_err(|e| e.to_string())?;
        if page.len() < PAGE {
            self.phase = Phase::Live;
        }
        for entry in page {
            self.sent = entry.seq;
            let wanted = match &self.agent {
                None => true,
                Some(me) => entry.record.event.agent() == Some(me),
            };
            if wanted {
                self.ready.push_back(entry);
            }
        }
        Ok(())
    }
}

fn sse_event(entry: &JournalEntry) -> SseEvent {
    let data = serde_json::json!({
        "seq": entry.seq,
        "at": entry.record.at,
        "event": entry.record.event,
    });
    SseEvent::default()
        .id(entry.seq.to_string())
        .event(entry.record.event.kind())
        .data(data.to_string())
}

fn error_event(code: StreamErrorCode, message: &str) -> SseEvent {
    SseEvent::default()
        .event("error")
        .data(serde_json::json!({"error": {"code": code.as_str(), "message": message}}).to_string())
}
