//! A cluster node's HTTP front: the pages, documents and `/healthz` from the node itself,
//! `/v1/domains` for cluster keys, and every other `/v1` request to its key's domain — served
//! here when this node owns it, forwarded to the owner when another does.

use super::{FORWARDED_BY, MOVE_WAIT, Node};
use crate::auth::hash_secret;
use crate::error::{ApiError, ErrorCode};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_store::postgres::Lease;

/// The node's HTTP application: the pages, the documents and `/healthz` from the node itself,
/// `/v1/domains` for cluster keys, everything else to the domain's owner.
pub(super) fn router(node: Arc<Node>) -> axum::Router {
    // A cluster node's document: one domain's API plus the cluster's own routes.
    let mut api = crate::openapi();
    api.merge(<super::domains::ClusterDoc as utoipa::OpenApi>::openapi());
    let openapi = Arc::new(api);
    let docs = (*openapi).clone();
    axum::Router::new()
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let api = openapi.clone();
                async move { axum::Json((*api).clone()) }
            }),
        )
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/docs/openapi.json", docs))
        .route("/", axum::routing::get(crate::index))
        .merge(crate::web::router())
        .route("/healthz", axum::routing::get(healthz))
        .route(
            "/v1/domains",
            axum::routing::get(super::domains::list).post(super::domains::create),
        )
        .route(
            "/v1/domains/{domain}",
            axum::routing::delete(super::domains::delete),
        )
        .fallback(dispatch)
        .method_not_allowed_fallback(crate::method_not_allowed)
        .with_state(node)
}

/// The node is up; the domains it serves (the same shape as a single node's `/healthz`).
async fn healthz(State(node): State<Arc<Node>>) -> axum::Json<crate::api::health::Health> {
    let owned = node.owned.read().await;
    axum::Json(crate::api::health::Health {
        status: crate::api::health::HealthStatus::Ok,
        last_seq: owned.values().map(|o| o.state.driver.last_seq()).sum(),
        subscribers: owned.values().map(|o| o.state.driver.subscribers()).sum(),
        node: Some(node.id.clone()),
        domains: Some(owned.keys().cloned().collect()),
    })
}

/// The bearer secret's hash, or the 401 a request without one gets.
pub(super) fn bearer_hash(request: &Request) -> Result<String, ApiError> {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <key>"))?;
    header
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, secret) = value.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then_some(secret.trim())
        })
        .filter(|s| !s.is_empty())
        .map(hash_secret)
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be Bearer <key>"))
}

/// A request to the cluster's API goes to its key's domain, on this node or its owner.
async fn dispatch(State(node): State<Arc<Node>>, request: Request) -> Response {
    match route(&node, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn route(node: &Arc<Node>, request: Request) -> Result<Response, ApiError> {
    if !request.uri().path().starts_with("/v1/") {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no such endpoint; see /docs",
        ));
    }
    let hash = bearer_hash(&request)?;
    let domain = match node.key_domain(&hash).await? {
        None => return Err(ApiError::unauthorized("unknown or revoked key")),
        Some(None) => {
            return Err(ApiError::forbidden(
                "a cluster-admin key manages domains (/v1/domains) only; use a key of the domain",
            ));
        }
        Some(Some(domain)) => domain,
    };
    let forwarded = request.headers().contains_key(FORWARDED_BY);
    let deadline = Instant::now() + MOVE_WAIT;
    let mut pending = Pending::Original(request);
    let mut fresh = false;
    loop {
        let local = node
            .owned
            .read()
            .await
            .get(&domain)
            .map(|owned| (owned.router.clone(), owned.in_flight.clone()));
        if let Some((router, _in_flight)) = local {
            return Ok(tower::ServiceExt::oneshot(router, pending.into_request())
                .await
                .into_response());
        }
        if forwarded {
            // The sender's idea of the owner is stale: it looks again, not this node.
            let mut response = ApiError::new(
                ErrorCode::DomainMoving,
                format!("node {} does not serve domain {domain}", node.id),
            )
            .into_response();
            response
                .headers_mut()
                .insert(NOT_OWNER, HeaderValue::from_static("1"));
            return Ok(response);
        }
        if let Some(lease) = node.owner(&domain, fresh).await
            && lease.owner != node.id
        {
            let (parts, bytes) = pending.buffered().await?;
            match forward(node, &lease, &parts, &bytes).await {
                Forwarded::Answered(response) => return Ok(response),
                Forwarded::NotSent => {}
                Forwarded::Failed(error) => return Err(error),
            }
            pending = Pending::Buffered(parts, bytes);
        }
        // Even while this node stops: it serves HTTP until its domains are handed over, and
        // a request it took waits for their new owners like any other.
        if Instant::now() >= deadline {
            return Err(ApiError::new(
                ErrorCode::DomainMoving,
                format!("domain {domain} has no owner that answers now; retry shortly"),
            ));
        }
        fresh = true;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The header of a node's 503 to a forwarded request for a domain it does not serve.
const NOT_OWNER: &str = "x-switchboard-not-owner";

/// A request on its way: as it came, or read into memory once it has to be forwarded (so it
/// can be sent again after a failed connection).
enum Pending {
    Original(Request),
    Buffered(axum::http::request::Parts, axum::body::Bytes),
}

impl Pending {
    fn into_request(self) -> Request {
        match self {
            Pending::Original(request) => request,
            Pending::Buffered(parts, bytes) => Request::from_parts(parts, Body::from(bytes)),
        }
    }

    async fn buffered(self) -> Result<(axum::http::request::Parts, axum::body::Bytes), ApiError> {
        match self {
            Pending::Buffered(parts, bytes) => Ok((parts, bytes)),
            Pending::Original(request) => {
                let (parts, body) = request.into_parts();
                let bytes = axum::body::to_bytes(body, crate::BODY_LIMIT_BYTES)
                    .await
                    .map_err(|_| {
                        ApiError::new(ErrorCode::PayloadTooLarge, "the body is larger than 1 MiB")
                    })?;
                Ok((parts, bytes))
            }
        }
    }
}

enum Forwarded {
    Answered(Response),
    /// Nothing reached the owner (no connection, or it does not serve the domain): look the
    /// owner up again and retry.
    NotSent,
    /// The owner stopped answering after it got the request: it may have applied it.
    Failed(ApiError),
}

/// Sends the request to the owner and streams its answer back.
async fn forward(
    node: &Node,
    lease: &Lease,
    parts: &axum::http::request::Parts,
    bytes: &axum::body::Bytes,
) -> Forwarded {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) =
        format!("{}{path}", lease.advertise.trim_end_matches('/')).parse::<axum::http::Uri>()
    else {
        return Forwarded::Failed(ApiError::internal(format!(
            "node {} advertises an unusable address {:?}",
            lease.owner, lease.advertise
        )));
    };
    let mut outgoing = Request::new(Body::from(bytes.clone()));
    *outgoing.method_mut() = parts.method.clone();
    *outgoing.uri_mut() = uri;
    *outgoing.headers_mut() = parts.headers.clone();
    let headers = outgoing.headers_mut();
    headers.remove(header::HOST);
    headers.remove(header::CONNECTION);
    if let Ok(id) = HeaderValue::from_str(&node.id) {
        headers.insert(FORWARDED_BY, id);
    }
    match node.client.request(outgoing).await {
        Ok(response) if response.headers().contains_key(NOT_OWNER) => Forwarded::NotSent,
        Ok(response) => {
            let (parts, incoming) = response.into_parts();
            Forwarded::Answered(Response::from_parts(parts, Body::new(incoming)))
        }
        Err(error) if error.is_connect() => Forwarded::NotSent,
        Err(error) => Forwarded::Failed(ApiError::new(
            ErrorCode::OwnerLost,
            format!(
                "node {} stopped answering while it handled the request ({error}); it may or may not have been applied: read before retrying",
                lease.owner
            ),
        )),
    }
}
