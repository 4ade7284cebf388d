//! What the rules allow, written independently of the engine: which closure pair an input
//! may close a contact or callback with, what an attempt's status implies, the recall
//! interval; and the logs the harness recounts the events into.

use switchboard_core::callback::{
    AttemptState, CallbackCounters, CallbackEnd, CallbackSettings, CallbackStatus,
    CompletionStatus, DialOutcome,
};
use switchboard_core::config::WhenClosed;
use switchboard_core::model::{AnsweredBy, HangupReason};
use switchboard_core::schedule::Schedule;
use switchboard_core::{AgentId, Command, ConnectorEvent, ContactId, Event, QueueId, Timestamp};

/// The twelve refusal reasons (docs/engine.md, Offers and refusals), spelled as the report
/// prints them.
pub const REFUSAL_NAMES: [&str; 12] = [
    "Declined",
    "NoAnswer",
    "AgentLinkTimeout",
    "ContactAlreadyRouted",
    "Bad Number",
    "Busy",
    "Error",
    "Invalid Call Leg",
    "LinkFailed",
    "Dropped",
    "NA",
    "0",
];

pub type Check = Result<(), String>;

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-text panic)".to_string())
}

/// The contact an event is about, if any.
pub fn event_contact(event: &Event) -> Option<ContactId> {
    event.contact()
}

/// docs/engine.md, Closure codes: the (major, minor) pairs an input may close a contact (not
/// a callback) with, and the disposition. `scheduled`: an agent scheduled a callback from
/// this contact.
pub fn closure_fits_cause(
    input: Option<&Command>,
    contact: ContactId,
    code: (u16, u16),
    disposition: &Option<String>,
    scheduled: bool,
) -> Check {
    // Any refused offer may hit the hop limit (38/21) or find its queue gone (32/0).
    const REQUEUE: &[(u16, u16)] = &[(38, 21), (32, 0)];
    let target = match input {
        Some(
            Command::Complete { contact, .. }
            | Command::Suspend { contact, .. }
            | Command::Park { contact, .. }
            | Command::Abandon { contact }
            | Command::ChooseCallback { contact, .. }
            | Command::Connector(
                ConnectorEvent::Hangup { contact, .. }
                | ConnectorEvent::DialFailed { contact, .. }
                | ConnectorEvent::DialOutcome { contact, .. },
            ),
        ) => Some(*contact),
        _ => None,
    };
    // Another contact closing as a side effect (e.g. the agent's pending logout withdrew
    // its offer and the contact hit its hop limit).
    let input = if target.is_some_and(|t| t != contact) {
        Some(&Command::Logout {
            agent: AgentId::new("-"),
        })
    } else {
        input
    };
    let allowed: &[(u16, u16)] = match input {
        // A queue set to close-waiting closes its waiting contacts when its hours end
        // (38, 15) or a holiday begins (38, 23).
        None => &[(59, 0), (38, 19), (38, 21), (32, 0), (38, 15), (38, 23)],
        // Close-waiting again: an emergency (38, 24), or a new schedule that closes it now.
        Some(Command::SetQueueEmergency {
            emergency: Some(_), ..
        }) => &[(38, 24)],
        // Ending an emergency makes the queue what its schedule says now: closed outside its
        // hours or on a holiday is a change of reason, and close-waiting closes its waiting
        // contacts with the new code (docs/engine.md, "Queue hours, holidays and
        // emergencies").
        Some(Command::SetQueueEmergency {
            emergency: None, ..
        }) => &[(38, 15), (38, 23)],
        Some(Command::ConfigureQueue(q)) if q.when_closed == WhenClosed::CloseWaiting => {
            &[(38, 15), (38, 23)]
        }
        Some(Command::Complete {
            disposition: chosen,
            ..
        }) => {
            // "no_thanks" is the one no-interest disposition of the generated queues.
            let no_interest = chosen.as_deref() == Some("no_thanks");
            // An agent rescheduled (scheduled a callback from the contact): (51, 0)
            // (docs/callbacks.md, Creation).
            let rescheduled = scheduled && !no_interest;
            let expected = if rescheduled {
                (51, 0)
            } else if no_interest {
                (55, 0)
            } else {
                (48, 0)
            };
            // An outbound dial that nobody answered closes (33, 6) instead.
            let unanswered = code == (33, 6) && !rescheduled;
            if (code != expected && !unanswered) || disposition != chosen {
                return Err(format!(
                    "completed with disposition {chosen:?} but closed {code:?} with {disposition:?}"
                ));
            }
            return Ok(());
        }
        Some(Command::Suspend {
            disposition: chosen,
            ..
        }) => {
            // Issue 13: a suspended phase closes (50, 0) with the disposition given.
            if code != (50, 0) || disposition != chosen {
                return Err(format!(
                    "suspended with disposition {chosen:?} but closed {code:?} with {disposition:?}"
                ));
            }
            return Ok(());
        }
        Some(Command::Park { .. }) => &[(61, 0)],
        // An arrival that cannot be routed (38, …), or a parked customer's new email or work
        // item, held (62, 0). The contacts an unpark queues again meet the same checks.
        Some(Command::CreateContact { .. } | Command::Unpark { .. }) => &[
            (38, 7),
            (38, 14),
            (38, 15),
            (38, 17),
            (38, 23),
            (38, 24),
            (62, 0),
        ],
        Some(
            Command::Abandon { .. }
            | Command::Connector(ConnectorEvent::Hangup {
                reason: HangupReason::Ended,
                ..
            }),
        ) => &[(40, 12), (37, 0), (49, 12), (49, 0)],
        Some(Command::Connector(ConnectorEvent::Hangup {
            reason: HangupReason::Error,
            close_call_on_error: true,
            ..
        })) => &[(52, 0)],
        // Kept open: back to the queue (hop limit), or closed if outbound (no queue to wait in).
        Some(Command::Connector(ConnectorEvent::Hangup { .. })) => &[(52, 0), (38, 21), (32, 0)],
        Some(Command::Connector(ConnectorEvent::DialFailed { .. })) => &[(35, 0)],
        // An outbound dial that reached no one: (33, the outcome's minor).
        Some(Command::Connector(ConnectorEvent::DialOutcome { outcome, .. })) => match outcome {
            DialOutcome::Busy => &[(33, 3)],
            DialOutcome::Fax => &[(33, 4)],
            DialOutcome::Modem => &[(33, 5)],
            DialOutcome::NoAnswer => &[(33, 6)],
            DialOutcome::Sit => &[(33, 8)],
            DialOutcome::InvalidNumber => &[(33, 9)],
            DialOutcome::WrongParty => &[(33, 13)],
            DialOutcome::Live | DialOutcome::AnsweringMachine => &[],
        },
        // The customer chose a callback while queued (docs/callbacks.md, Creation).
        Some(Command::ChooseCallback { .. }) => &[(51, 22)],
        // The destination is on the do-not-call list: the dial is not made (docs/callbacks.md,
        // The do-not-call list).
        Some(Command::Dial { .. }) => &[(58, 0)],
        Some(_) => REQUEUE,
    };
    if !allowed.contains(&code) {
        return Err(format!(
            "closed {code:?} by {}, which docs/engine.md, Closure codes does not give that code",
            input.map_or("a timer".to_string(), |c| format!("{c:?}"))
        ));
    }
    if disposition.is_some() {
        return Err(format!(
            "closed {code:?} with disposition {disposition:?} without a wrap-up"
        ));
    }
    Ok(())
}

/// docs/callbacks.md, Attempts (and Supervisor actions, The do-not-call list): a completed
/// callback's closure pair matches its end state, and the end state
/// fits the input that caused it. `last_counted_minor`: the minor of its last attempt, if
/// that attempt counted.
pub fn callback_closure_fits(
    input: Option<&Command>,
    contact: ContactId,
    end: CallbackEnd,
    code: (u16, u16),
    disposition: &Option<String>,
    last_counted_minor: Option<u16>,
    // It expired earlier (CallbackExpired): any input that would send it back completes it.
    already_expired: bool,
) -> Check {
    let pair_fits = match end {
        CallbackEnd::Handled => matches!(code, (48, 0) | (55, 0) | (59, 0)),
        CallbackEnd::WrongDestination => code == (48, 13),
        // Attempts exhausted: the minor of the last (counted) attempt.
        CallbackEnd::Failed => {
            code.0 == 33
                && Some(code.1) == last_counted_minor
                && matches!(code.1, 2 | 3 | 4 | 5 | 6 | 8 | 9 | 13)
        }
        CallbackEnd::Expired => code == (57, 0),
        CallbackEnd::Purged => code == (32, 0),
        // A call error closing it, or the hop limit.
        CallbackEnd::Error => matches!(code, (52, 0) | (38, 21) | (32, 0)),
        // The destination is on the do-not-call list.
        CallbackEnd::DoNotCall => code == (58, 0),
    };
    if !pair_fits {
        return Err(format!(
            "callback {contact} completed {} but closed {code:?} (last counted minor {last_counted_minor:?})",
            end.as_str()
        ));
    }
    let cause = || input.map_or("a timer".to_string(), |c| format!("{c:?}"));
    // The agent completing this callback's wrap-up, with the disposition chosen.
    let completed = match input {
        Some(Command::Complete {
            contact: c,
            disposition,
            ..
        }) if *c == contact => Some(disposition),
        _ => None,
    };
    let purged = matches!(input, Some(Command::PurgeCallback { contact: c }) if *c == contact);
    match end {
        CallbackEnd::Handled | CallbackEnd::WrongDestination | CallbackEnd::Failed => {
            match (completed, input) {
                (Some(chosen), _) => {
                    let no_interest = chosen.as_deref() == Some("no_thanks");
                    if end == CallbackEnd::Handled
                        && code != if no_interest { (55, 0) } else { (48, 0) }
                    {
                        return Err(format!(
                            "callback {contact} handled with disposition {chosen:?} but closed {code:?}"
                        ));
                    }
                    if disposition != chosen {
                        return Err(format!(
                            "callback {contact} completed with {chosen:?}, closed with {disposition:?}"
                        ));
                    }
                }
                // The wrap-up time limit.
                (None, None) => {
                    if end == CallbackEnd::Handled && code != (59, 0) {
                        return Err(format!(
                            "callback {contact} handled by a timer but closed {code:?}"
                        ));
                    }
                    if disposition.is_some() {
                        return Err(format!(
                            "callback {contact} closed by a timer with {disposition:?}"
                        ));
                    }
                }
                (None, Some(_)) => {
                    return Err(format!(
                        "callback {contact} completed {} by {}: only its wrap-up ends it so",
                        end.as_str(),
                        cause()
                    ));
                }
            }
        }
        CallbackEnd::Expired if completed.is_none() && input.is_some() && !already_expired => {
            return Err(format!("callback {contact} expired by {}", cause()));
        }
        CallbackEnd::Purged if !purged => {
            return Err(format!("callback {contact} purged by {}", cause()));
        }
        // Listed now, created listed, or due while listed: by a timer, or at once when an
        // attempt ends (a call error, a refusal) and the callback goes back Pending already
        // due (docs/callbacks.md, The do-not-call list: "a callback whose number was listed
        // meanwhile is due").
        CallbackEnd::DoNotCall
            if !matches!(
                input,
                None | Some(
                    Command::Connector(..)
                        | Command::Refuse { .. }
                        | Command::AddDoNotCall { .. }
                        | Command::Complete { .. }
                        | Command::CreateCallback { .. }
                        | Command::ScheduleCallback { .. }
                        | Command::ChooseCallback { .. }
                        | Command::SetCompletion { .. }
                        | Command::StartCallbacks { .. }
                        | Command::SendCallbackToQueue { .. }
                )
            ) =>
        {
            return Err(format!(
                "callback {contact} closed do-not-call by {}",
                cause()
            ));
        }
        CallbackEnd::Error if completed.is_some() || purged => {
            return Err(format!("callback {contact} ended as Error by {}", cause()));
        }
        _ => {}
    }
    let wrap_up_end = matches!(
        end,
        CallbackEnd::Handled | CallbackEnd::WrongDestination | CallbackEnd::Failed
    );
    if !wrap_up_end && disposition.is_some() {
        return Err(format!(
            "callback {contact} completed {} with disposition {disposition:?}",
            end.as_str()
        ));
    }
    Ok(())
}

/// The attempt state a completion status gives (docs/callbacks.md, Attempts), written out
/// here.
pub fn attempt_state_of(status: &CompletionStatus) -> AttemptState {
    match status {
        CompletionStatus::Handled => AttemptState::Handled,
        CompletionStatus::AnsweringMachine => AttemptState::AnsweringMachine,
        CompletionStatus::NoAnswer => AttemptState::NoAnswer,
        CompletionStatus::Cancel => AttemptState::Cancel,
        CompletionStatus::CallbackRequested { .. } => AttemptState::CallbackRequested,
        CompletionStatus::WrongDestination => AttemptState::WrongDestination,
        CompletionStatus::Busy => AttemptState::Busy,
        CompletionStatus::Fax => AttemptState::Fax,
        CompletionStatus::Modem => AttemptState::Modem,
        CompletionStatus::Sit => AttemptState::Sit,
        CompletionStatus::InvalidNumber => AttemptState::InvalidNumber,
        CompletionStatus::WrongParty => AttemptState::WrongParty,
    }
}

/// The dial outcome an attempt state is (the states a queue's end_callback_on can name),
/// written out here.
pub fn outcome_of(state: AttemptState) -> Option<DialOutcome> {
    Some(match state {
        AttemptState::AnsweringMachine => DialOutcome::AnsweringMachine,
        AttemptState::NoAnswer => DialOutcome::NoAnswer,
        AttemptState::Busy => DialOutcome::Busy,
        AttemptState::Fax => DialOutcome::Fax,
        AttemptState::Modem => DialOutcome::Modem,
        AttemptState::Sit => DialOutcome::Sit,
        AttemptState::InvalidNumber => DialOutcome::InvalidNumber,
        AttemptState::WrongParty => DialOutcome::WrongParty,
        _ => return None,
    })
}

/// The wait after the `n`-th counted attempt (1-based): the last interval repeats.
pub fn recall_interval(settings: &CallbackSettings, n: u32) -> u64 {
    let i = (n.max(1) as usize - 1).min(settings.recall_intervals_ms.len() - 1);
    settings.recall_intervals_ms[i]
}

/// What the events say about one callback.
#[derive(Debug, Clone)]
pub struct CallbackLog {
    pub queue: QueueId,
    /// Attempts ended with `counted = true`.
    pub counted: u32,
    /// A live customer answered one of its attempts.
    pub reached: bool,
    /// The attempt started and not ended yet.
    pub open_attempt: Option<u32>,
    /// The number of its latest attempt of any kind (Aborted ones included).
    pub last_no: u32,
    /// The minor of its latest attempt, if that one counted.
    pub last_counted_minor: Option<u16>,
    /// The completion status set on the open attempt, and how its dial was answered.
    pub status: Option<CompletionStatus>,
    pub answered: Option<AnsweredBy>,
    pub end: Option<CallbackEnd>,
    /// Reserved for this agent until then (offered to nobody else meanwhile), and when the
    /// reservation was made.
    pub reserved: Option<(AgentId, Timestamp)>,
    pub reserved_at: Timestamp,
    /// When it expires, and whether it did (CallbackExpired).
    pub expires: Option<Timestamp>,
    pub expired: bool,
}

/// What the events say about a queue's callback process.
#[derive(Debug, Clone)]
pub struct QueueLog {
    pub settings: CallbackSettings,
    pub schedule: Schedule,
    pub shift: jiff::civil::Time,
    /// CLBK Stat per the latest CallbackStatusChanged.
    pub status: Option<CallbackStatus>,
    /// The shift counters recounted from the events since the latest ShiftStarted.
    pub counters: CallbackCounters,
}

/// The dump without its first line (`now …`): the clock is not journaled by itself.
pub fn without_clock(dump: &str) -> &str {
    dump.split_once('\n').map_or("", |(_, rest)| rest)
}
