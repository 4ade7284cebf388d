//! For tests (feature `fixtures`): a seeded journal that writes every projection table, with
//! the cases the writers treat specially, and [`append_to_both`], so the SQLite and
//! PostgreSQL stores can be compared row for row and report for report.

use crate::postgres::projection::PgProjector;
use crate::{Durability, Store};
use std::path::Path;
use switchboard_core::callback::{
    AttemptState, CallbackEnd, CallbackOrigin, CallbackSettings, CallbackStatus,
};
use switchboard_core::closure::{ClosureCode, Major, Minor};
use switchboard_core::config::{AgentConfig, Disposition, QueueConfig};
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{AgentId, ContactId, QueueId, StationId};
use switchboard_core::model::{AgentState, Channel, RefusalReason};
use switchboard_core::time::Timestamp;

/// `len` entries from `seed`, a second apart from `start` (ms), some at the same instant:
/// agents configured, reconfigured, removed and seen changing state without being
/// configured; state changes (enough for several marks); refusals; closures with and without
/// agent and disposition; queues configured (a disposition code listed twice), reconfigured
/// and removed; callbacks created (one created twice), attempts started, ended and aborted
/// without a start, completed (some never created in this journal), and CLBK Stat changes.
pub fn mixed_journal(seed: u64, len: usize, start: i64) -> Vec<EventRecord> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let states = [
        AgentState::Ready,
        AgentState::Break,
        AgentState::Busy,
        AgentState::NoAnswer,
        AgentState::Offline,
    ];
    let reasons = [
        RefusalReason::Declined,
        RefusalReason::NoAnswer,
        RefusalReason::BadNumber,
        RefusalReason::InvalidCallLeg,
    ];
    let queues = ["sales", "service", "support"];
    let mut at = start;
    let mut contact = 1_000u64;
    // Callbacks created: (contact, attempts started or ended so far, an attempt under way).
    let mut callbacks: Vec<(u64, u32, bool)> = Vec::new();
    let mut records = Vec::with_capacity(len);
    for _ in 0..len {
        let r = next();
        if r % 3 != 0 {
            at += 1_000 + (r % 7) as i64 * 250;
        }
        let agent = AgentId::new(&format!("a{:02}", r / 7 % 14));
        let queue = QueueId::new(queues[r / 11 % queues.len()]);
        let event = match r % 23 {
            0 => {
                let mut config =
                    AgentConfig::new(agent.as_str(), &format!("Agent {}", r % 100), &["sales"]);
                config.team = (r % 2 == 0).then(|| format!("team {}", r % 3));
                Event::AgentConfigured {
                    agent: Box::new(config),
                }
            }
            1 => Event::AgentRemoved { agent },
            2..=9 => Event::AgentStateChanged {
                agent,
                state: states[r / 5 % states.len()],
                reason: (r % 4 == 0).then(|| "lunch".to_owned()),
                station: (r % 3 != 0).then(|| StationId::new(&format!("s{}", r % 5))),
            },
            10 | 11 => Event::OfferRefused {
                offer: None,
                contact: ContactId(contact + (r % 50) as u64),
                agent: agent.clone(),
                agent_full_name: format!("Agent \"{}\", Jr.", agent.as_str()),
                station: StationId::new("s1"),
                reason: reasons[r / 3 % reasons.len()],
                cause_code: (r % 2 == 0).then(|| "486".to_owned()),
                excluded_until: Timestamp(0),
                decline_reason: None,
            },
            12 | 13 => {
                contact += 1;
                Event::ContactClosed {
                    contact: ContactId(contact),
                    code: ClosureCode::new(Major([48, 32, 40, 38][r % 4]), Minor((r % 3) as u16)),
                    disposition: match r % 5 {
                        0 => Some("sale".to_owned()),
                        1 => Some("unknown-code".to_owned()),
                        _ => None,
                    },
                    agent: (r % 2 == 0).then_some(agent),
                    queue,
                    channel: Channel::Voice,
                    arrived: Timestamp(at - 60_000),
                    entrance: Timestamp(at - 30_000),
                }
            }
            14 | 15 => {
                // Now and then the same callback again (replaced whole).
                let id = match callbacks.get(r / 5 % callbacks.len().max(1)) {
                    Some(&(id, _, _)) if r % 9 == 0 => id,
                    _ => {
                        contact += 1;
                        callbacks.push((contact, 0, false));
                        contact
                    }
                };
                Event::CallbackCreated {
                    contact: ContactId(id),
                    queue,
                    destination: format!("+36 1 555 {id:04}"),
                    origin: CallbackOrigin::Api,
                    due: Timestamp(at),
                    reserved: None,
                    expires: None,
                    entrance: Timestamp(at),
                    from_contact: None,
                }
            }
            16 if !callbacks.is_empty() => {
                let pick = r / 5 % callbacks.len();
                let (id, attempts, under_way) = callbacks[pick];
                // Now and then an attempt that ended starts again (its row replaced whole).
                let attempt = if !under_way && attempts > 0 && r % 3 == 0 {
                    attempts
                } else {
                    attempts + 1
                };
                callbacks[pick] = (id, attempt, true);
                Event::AttemptStarted {
                    contact: ContactId(id),
                    attempt,
                    agent,
                    no_answer_deadline: None,
                }
            }
            17 if !callbacks.is_empty() => {
                let pick = r / 5 % callbacks.len();
                let (id, attempts, under_way) = callbacks[pick];
                // One under way ends; now and then an earlier attempt ends again, late (the
                // callback keeps counting its latest); otherwise a new attempt is aborted
                // before it starts.
                let (attempt, state) = if !under_way && attempts >= 2 && r % 7 == 0 {
                    (attempts - 1, AttemptState::NoAnswer)
                } else if under_way {
                    let states = [
                        AttemptState::Handled,
                        AttemptState::NoAnswer,
                        AttemptState::AnsweringMachine,
                    ];
                    (attempts, states[r / 3 % states.len()])
                } else {
                    (attempts + 1, AttemptState::Aborted)
                };
                callbacks[pick] = (id, attempt.max(attempts), false);
                let by = (state != AttemptState::Aborted).then_some(agent);
                Event::AttemptEnded {
                    contact: ContactId(id),
                    attempt,
                    agent_full_name: by.as_ref().map(|a| format!("Agent {}", a.as_str())),
                    agent: by,
                    state,
                    minor: state.minor(),
                    counted: state.is_counted(),
                    dial_started: under_way.then_some(Timestamp(at - 20_000)),
                }
            }
            18 => {
                // A callback of this journal, or one created before it began.
                let (id, attempts) = if callbacks.is_empty() || r % 4 == 0 {
                    contact += 1;
                    (contact, 0)
                } else {
                    let (id, attempts, _) = callbacks.remove(r / 5 % callbacks.len());
                    (id, attempts)
                };
                let ends = [
                    CallbackEnd::Handled,
                    CallbackEnd::Purged,
                    CallbackEnd::Failed,
                    CallbackEnd::Expired,
                ];
                Event::CallbackCompleted {
                    contact: ContactId(id),
                    queue,
                    destination: format!("+36 1 555 {id:04}"),
                    end: ends[r / 3 % ends.len()],
                    entrance: Timestamp(at - 100_000),
                    attempts,
                    reached: r % 2 == 0,
                }
            }
            19 => Event::CallbackStatusChanged {
                queue,
                status: [
                    CallbackStatus::Active,
                    CallbackStatus::OffScheduleHrs,
                    CallbackStatus::Stopped,
                ][r / 3 % 3],
                next_check: None,
            },
            20 => {
                let mut config = QueueConfig::new(queue.as_str(), Channel::Voice);
                config.name = (r % 2 == 0).then(|| format!("Queue {}", queue.as_str()));
                if r % 3 != 0 {
                    config.callbacks = Some(CallbackSettings::default());
                }
                let label = |en: &str, hu: &str| Disposition {
                    code: "sale".into(),
                    label_en: en.into(),
                    label_hu: hu.into(),
                    success: true,
                    callback: false,
                    no_interest: false,
                    do_not_call: false,
                };
                config.dispositions = vec![label("Sold", "Eladva"), label("Sale", "Eladás")];
                if r % 4 == 0 {
                    config.dispositions.truncate(1);
                }
                Event::QueueConfigured {
                    queue: Box::new(config),
                }
            }
            21 => Event::QueueRemoved { queue },
            _ => Event::CallbackExpired {
                contact: ContactId(contact),
            },
        };
        records.push(EventRecord {
            at: Timestamp(at),
            event,
        });
    }
    records
}

/// Appends `records` to a new SQLite store in `dir` and applies them to domain `domain` in
/// PostgreSQL (the projection tables, made by the caller), in the same batches: sizes
/// cycling through `sizes`, each batch in a transaction of its own. Before batch `reload_at`
/// the projector is loaded again from the tables and the SQLite store reopened, as after a
/// restart. Returns the SQLite store.
pub async fn append_to_both(
    dir: &Path,
    client: &mut tokio_postgres::Client,
    domain: &str,
    records: &[EventRecord],
    sizes: &[usize],
    reload_at: usize,
) -> Store {
    let mut store = Store::open(dir, Durability::Normal).unwrap();
    let mut projector = PgProjector::load(client, domain).await.unwrap();
    let (mut offset, mut batch) = (0, 0);
    while offset < records.len() {
        if batch == reload_at {
            drop(store);
            store = Store::open(dir, Durability::Normal).unwrap();
            projector = PgProjector::load(client, domain).await.unwrap();
        }
        let end = (offset + sizes[batch % sizes.len()]).min(records.len());
        let first = store.append(&records[offset..end]).unwrap();
        let transaction = client.transaction().await.unwrap();
        projector
            .apply(&transaction, domain, first, &records[offset..end])
            .await
            .unwrap();
        transaction.commit().await.unwrap();
        offset = end;
        batch += 1;
    }
    store
}
