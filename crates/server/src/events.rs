//! `GET /v1/events`: the live event stream as Server-Sent Events.
//!
//! Every engine event goes out with its journal sequence number as the SSE `id`. A client that
//! reconnects with `Last-Event-ID: N` (or `?after=N`) first gets the journal entries after N
//! from the store, then the live feed, skipping what it already sent: no gap, no duplicate.
//! Without either, the stream starts live. Agents see only events about themselves.
//! Connector requests (deliver, cancel, dial, stop dial) go to connector and admin keys as
//! `connector_request` messages without an id: they are not journaled.
//!
//! A subscriber that falls more than the feed's capacity behind is cut off with an `error`
//! message (code `lagged`) instead of buffering without bound; it reconnects with its last id.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::driver::Published;
use crate::error::{ApiError, ErrorCode, StreamErrorCode, StreamErrors};
use crate::extract::Params;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::convert::Infallible;
use switchboard_store::{JournalEntry, Store};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// Most concurrent subscribers; more get 429.
pub const MAX_SUBSCRIBERS: usize = 1000;
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
    headers: HeaderMap,
    Params(query): Params<EventsQuery>,
) -> Result<Response, ApiError> {
    if state.driver.subscribers() >= MAX_SUBSCRIBERS {
        return Err(ApiError::new(
            ErrorCode::TooManySubscribers,
            format!("at most {MAX_SUBSCRIBERS} event streams at once"),
        ));
    }
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
    // Subscribe before reading the journal, so nothing committed in between is missed.
    let live = state.driver.subscribe();
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
    let (tx, rx) = mpsc::channel::<Result<SseEvent, Infallible>>(256);
    let data_dir = state.data_dir.clone();
    let stopping = state.stopping.clone();
    tokio::spawn(async move {
        let filter = Filter::new(&principal);
        let mut sent = after;
        {
            // Catch up from the journal, a page at a time, off the async threads.
            loop {
                let dir = data_dir.clone();
                let page = tokio::task::spawn_blocking(move || {
                    Store::open_existing(&dir).and_then(|store| store.read_journal(sent, PAGE))
                })
                .await;
                let page = match page {
                    Ok(Ok(page)) => page,
                    Ok(Err(error)) => {
                        let _ = tx
                            .send(Ok(error_event(
                                StreamErrorCode::JournalUnreadable,
                                &error.to_string(),
                            )))
                            .await;
                        return;
                    }
                    Err(_) => return,
                };
                let done = page.len() < PAGE;
                for entry in page {
                    sent = entry.seq;
                    if filter.wants(&entry) && tx.send(Ok(sse_event(&entry))).await.is_err() {
                        return;
                    }
                }
                if done {
                    break;
                }
            }
        }
        forward_live(live, tx, filter, sent, stopping).await;
    });
    metrics::gauge!("switchboard_subscribers").set(state.driver.subscribers() as f64);
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::default())
        .into_response())
}

async fn forward_live(
    mut live: broadcast::Receiver<Published>,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
    filter: Filter,
    mut sent: u64,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let received = tokio::select! {
            received = live.recv() => received,
            _ = stopping.wait_for(|stop| *stop) => Err(broadcast::error::RecvError::Closed),
        };
        let message = match received {
            Ok(Published::Event(entry)) => {
                if entry.seq <= sent {
                    continue;
                }
                sent = entry.seq;
                if !filter.wants(&entry) {
                    continue;
                }
                sse_event(&entry)
            }
            Ok(Published::Connector(request)) => {
                if !filter.connector {
                    continue;
                }
                match SseEvent::default()
                    .event("connector_request")
                    .json_data(&*request)
                {
                    Ok(event) => event,
                    Err(_) => continue,
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                let _ = tx
                    .send(Ok(error_event(
                        StreamErrorCode::Lagged,
                        &format!(
                            "this stream fell {missed} messages behind and was cut off; reconnect with Last-Event-ID: {sent}"
                        ),
                    )))
                    .await;
                return;
            }
            Err(broadcast::error::RecvError::Closed) => {
                let _ = tx
                    .send(Ok(error_event(
                        StreamErrorCode::ShuttingDown,
                        "the server is shutting down",
                    )))
                    .await;
                return;
            }
        };
        if tx.send(Ok(message)).await.is_err() {
            return; // the client went away
        }
    }
}

struct Filter {
    agent: Option<switchboard_core::ids::AgentId>,
    connector: bool,
}

impl Filter {
    fn new(principal: &Principal) -> Self {
        Filter {
            agent: (principal.role == Role::Agent)
                .then(|| principal.agent.clone())
                .flatten(),
            connector: matches!(principal.role, Role::Connector | Role::Admin),
        }
    }

    fn wants(&self, entry: &JournalEntry) -> bool {
        match &self.agent {
            None => true,
            Some(me) => entry.record.event.agent() == Some(me),
        }
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
