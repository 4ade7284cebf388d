//! What an agent does with a contact it holds (hold, consult, conference, end, wrap-up,
//! transfer), and a contact's view.

use super::{Accepted, ApiResult, ContactPath, run};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{
    ApiError, CommandErrors, CommandWithBodyErrors, ErrorCode, ParkErrors, ReadOneErrors,
    SuspendErrors, UnparkErrors,
};
use crate::extract::{Body, MaybeBody, PathId};
use crate::names::{contact_id, named_agent, named_queue};
use crate::roles::{AgentKey, StaffKey};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::command::{Command, TransferTarget};
use switchboard_core::engine::ContactView;
use switchboard_core::ids::{AgentId, ContactId, QueueId};
use switchboard_core::schema::DispositionCode;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(hold))
        .routes(routes!(resume))
        .routes(routes!(consult))
        .routes(routes!(conference))
        .routes(routes!(end))
        .routes(routes!(start_dial))
        .routes(routes!(complete))
        .routes(routes!(transfer))
        .routes(routes!(suspend))
        .routes(routes!(park))
        .routes(routes!(unpark))
        .routes(routes!(get_contact))
}

/// The agent acting on a contact: an agent key acts as its agent; an admin acts as the
/// agent holding the contact.
pub(super) async fn acting_agent(
    state: &AppState,
    principal: &Principal,
    contact: ContactId,
) -> ApiResult<AgentId> {
    if let Some(agent) = &principal.agent {
        return Ok(agent.clone());
    }
    state
        .driver
        .read(move |e| e.contact_view(contact).map(|c| c.agent))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownContact,
                format!("no open contact {contact}"),
            )
        })?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotWithAnAgent,
                format!("contact {contact} is not with an agent"),
            )
        })
}

/// `POST /v1/contacts/{id}/…` by the agent holding the contact (an admin acts as that agent):
/// the command names the agent and the contact, and nothing else.
macro_rules! contact_action {
    ($name:ident, $path:literal, $variant:ident, $errors:ident, $($doc:literal),+) => {
        $(#[doc = $doc])+
        #[utoipa::path(post, path = $path, tag = "agent", params(ContactPath),
                                    responses((status = 200, body = Accepted), $errors))]
        async fn $name(
            State(state): State<AppState>,
            AgentKey(principal): AgentKey,
            PathId(id): PathId,
        ) -> ApiResult<Json<Accepted>> {
            let contact = contact_id(&id)?;
            let agent = acting_agent(&state, &principal, contact).await?;
            Ok(Json(
                run(&state, &principal, Command::$variant { agent, contact }).await?,
            ))
        }
    };
}

/// The same with an optional body giving the disposition: the ways out of wrap-up.
macro_rules! wrap_up_action {
    ($name:ident, $path:literal, $variant:ident, $errors:ident, $($doc:literal),+) => {
        $(#[doc = $doc])+
        #[utoipa::path(post, path = $path, tag = "agent", params(ContactPath),
            request_body(content = Option<CompleteRequest>, description = "optional"),
            responses((status = 200, body = Accepted), $errors))]
        async fn $name(
            State(state): State<AppState>,
            AgentKey(principal): AgentKey,
            PathId(id): PathId,
            MaybeBody(body): MaybeBody<CompleteRequest>,
        ) -> ApiResult<Json<Accepted>> {
            let contact = contact_id(&id)?;
            let agent = acting_agent(&state, &principal, contact).await?;
            let disposition = body.and_then(|b| b.disposition);
            let command = Command::$variant {
                agent,
                contact,
                disposition,
            };
            Ok(Json(run(&state, &principal, command).await?))
        }
    };
}

contact_action!(
    hold,
    "/v1/contacts/{id}/hold",
    Hold,
    CommandErrors,
    "Put the customer on hold."
);
contact_action!(
    resume,
    "/v1/contacts/{id}/resume",
    Resume,
    CommandErrors,
    "Take the customer off hold (or back from a consult)."
);
contact_action!(
    consult,
    "/v1/contacts/{id}/consult",
    Consult,
    CommandErrors,
    "Consult another party while the customer holds."
);
contact_action!(
    conference,
    "/v1/contacts/{id}/conference",
    Conference,
    CommandErrors,
    "Join the consulted party and the customer."
);
contact_action!(
    end,
    "/v1/contacts/{id}/end",
    End,
    CommandErrors,
    "End the conversation: the agent's part goes to Wrap Up."
);
contact_action!(
    start_dial,
    "/v1/contacts/{id}/dial",
    StartDial,
    CommandErrors,
    "Start the dial of a callback or outbound contact shown in Preview."
);
contact_action!(
    park,
    "/v1/contacts/{id}/park",
    Park,
    ParkErrors,
    " Park an email or work item the agent is handling: it closes (61, 0), the agent moves",
    " straight on, and the session stays out of routing until unparked; the customer's new",
    " email and work items are held (62, 0) meanwhile."
);
wrap_up_action!(
    complete,
    "/v1/contacts/{id}/complete",
    Complete,
    CommandWithBodyErrors,
    " Finish wrap-up, optionally with a disposition: the contact closes (48, 0)."
);
wrap_up_action!(
    suspend,
    "/v1/contacts/{id}/suspend",
    Suspend,
    SuspendErrors,
    " Suspend an email or work item after one phase, from Handling or from Wrap Up (in place of",
    " `complete`, with its disposition): it closes (50, 0), the agent moves straight on, and the",
    " thread waits for the customer's next message (a suspended session)."
);

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// One of the queue's dispositions (required when the queue says so).
    #[serde(default)]
    #[schema(value_type = Option<DispositionCode>)]
    pub disposition: Option<String>,
}

/// Unpark the session of a parked contact (an agent of its queue, a supervisor or an admin):
/// the parked contact and the ones held meanwhile are queued again as new contacts; the
/// answer names the first (the `session_unparked` event pairs each old id with its new one).
#[utoipa::path(post, path = "/v1/contacts/{id}/unpark", tag = "agent", params(ContactPath),
    responses((status = 200, body = Accepted), UnparkErrors))]
async fn unpark(
    State(state): State<AppState>,
    StaffKey(principal): StaffKey,
    PathId(id): PathId,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    // An agent key records its agent; a supervisor's or admin's unpark names none.
    let agent = principal.agent.clone();
    Ok(Json(
        run(&state, &principal, Command::Unpark { contact, agent }).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
}

/// Where a transfer goes: a queue or an agent, exactly one (the schema of
/// [`TransferRequest`], which reads both to say which is missing or extra).
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum TransferTo {
    /// To a queue of the contact's channel.
    Queue {
        #[schema(value_type = QueueId)]
        queue: String,
    },
    /// To an agent who can take it now.
    Agent {
        #[schema(value_type = AgentId)]
        agent: String,
    },
}

/// Transfer the contact to a queue or an agent; it keeps its id.
#[utoipa::path(post, path = "/v1/contacts/{id}/transfer", tag = "agent", params(ContactPath),
    request_body = TransferTo, responses((status = 200, body = Accepted), CommandWithBodyErrors))]
async fn transfer(
    State(state): State<AppState>,
    AgentKey(principal): AgentKey,
    PathId(id): PathId,
    Body(body): Body<TransferRequest>,
) -> ApiResult<Json<Accepted>> {
    let contact = contact_id(&id)?;
    let target = match (body.queue, body.agent) {
        (Some(queue), None) => TransferTarget::Queue(named_queue(&queue)?),
        (None, Some(agent)) => TransferTarget::Agent(named_agent(&agent)?),
        _ => return Err(ApiError::invalid_body("give exactly one of queue or agent")),
    };
    let agent = acting_agent(&state, &principal, contact).await?;
    let command = Command::Transfer {
        agent,
        contact,
        target,
    };
    Ok(Json(run(&state, &principal, command).await?))
}

/// An open contact: channel, queue, state, offers, agent. Agent keys see their own contacts
/// only.
#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "supervisor", params(ContactPath),
    responses((status = 200, body = ContactView), ReadOneErrors))]
async fn get_contact(
    State(state): State<AppState>,
    principal: Principal,
    PathId(id): PathId,
) -> ApiResult<Json<ContactView>> {
    let contact = contact_id(&id)?;
    let view = state
        .driver
        .read(move |e| e.contact_view(contact))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownContact,
                format!("no open contact {contact}"),
            )
        })?;
    if principal.role == Role::Agent && view.agent != principal.agent {
        return Err(ApiError::forbidden("an agent sees only its own contacts"));
    }
    Ok(Json(view))
}
