//! `/v1/domains`: the cluster's routing domains, for cluster-admin keys.

use super::{CLUSTER_ADMIN, Node};
use crate::error::{ApiError, ErrorCode};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use switchboard_store::postgres::DomainRecord;
use utoipa::OpenApi;

/// The cluster's own routes, added to the OpenAPI document a cluster node serves (a single
/// node's document describes one domain's API only).
#[derive(OpenApi)]
#[openapi(
    paths(list, create, delete),
    components(schemas(DomainView, DomainList, NewDomain)),
    tags((name = "cluster", description = "Cluster store only: routing domains, for cluster-admin keys (`switchboard keys create --store URL --role cluster-admin`)."))
)]
pub(super) struct ClusterDoc;

/// `{domain}` of `/v1/domains/{domain}`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(names("domain"), parameter_in = Path)]
#[allow(dead_code)] // documents the path parameter
struct DomainPath(String);

/// 401 or 403 unless the request carries a cluster-admin key.
async fn require_cluster_admin(
    node: &Node,
    headers: &axum::http::HeaderMap,
) -> Result<(), ApiError> {
    let mut request = Request::new(Body::empty());
    *request.headers_mut() = headers.clone();
    let hash = super::route::bearer_hash(&request)?;
    match node.cluster.find_key(&hash).await {
        Ok(Some((None, key))) if key.role == CLUSTER_ADMIN => Ok(()),
        Ok(Some(_)) => Err(ApiError::forbidden(
            "managing domains needs a cluster-admin key (`switchboard keys create --role cluster-admin`)",
        )),
        Ok(None) => Err(ApiError::unauthorized("unknown or revoked key")),
        Err(error) => Err(ApiError::new(
            ErrorCode::StorageUnavailable,
            error.to_string(),
        )),
    }
}

/// A routing domain, as `/v1/domains` shows it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DomainView {
    pub domain: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The node serving it now; absent while it has none (failover, no node running).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Its lease's epoch: how many times an owner took it.
    pub epoch: i64,
}

impl From<DomainRecord> for DomainView {
    fn from(record: DomainRecord) -> Self {
        DomainView {
            domain: record.domain,
            created_at: crate::clock::rfc3339(record.created_at),
            owner: record.owner,
            epoch: record.epoch,
        }
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DomainList {
    pub domains: Vec<DomainView>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDomain {
    /// 1–63 of `a-z`, `0-9`, `-` and `_`, starting with a letter.
    pub domain: String,
}

/// Every routing domain, by name, with the node serving it.
#[utoipa::path(get, path = "/v1/domains", tag = "cluster",
    responses((status = 200, body = DomainList),
        (status = 401, body = crate::error::ErrorBody, description = "`unauthorized`"),
        (status = 403, body = crate::error::ErrorBody, description = "`forbidden`: not a cluster-admin key"),
        (status = 503, body = crate::error::ErrorBody, description = "`storage_unavailable`")))]
pub(super) async fn list(
    State(node): State<Arc<Node>>,
    headers: axum::http::HeaderMap,
) -> Result<axum::Json<DomainList>, ApiError> {
    require_cluster_admin(&node, &headers).await?;
    let domains = node
        .cluster
        .domains()
        .await
        .map_err(|e| ApiError::new(ErrorCode::StorageUnavailable, e.to_string()))?;
    Ok(axum::Json(DomainList {
        domains: domains.into_iter().map(DomainView::from).collect(),
    }))
}

/// Creates a routing domain; a node takes it at once.
#[utoipa::path(post, path = "/v1/domains", tag = "cluster", request_body = NewDomain,
    responses((status = 201, body = DomainView),
        (status = 400, body = crate::error::ErrorBody, description = "`malformed_json`"),
        (status = 401, body = crate::error::ErrorBody, description = "`unauthorized`"),
        (status = 403, body = crate::error::ErrorBody, description = "`forbidden`: not a cluster-admin key"),
        (status = 409, body = crate::error::ErrorBody, description = "`domain_exists`"),
        (status = 422, body = crate::error::ErrorBody, description = "`invalid_body`: a bad name or shape"),
        (status = 503, body = crate::error::ErrorBody, description = "`storage_unavailable`")))]
pub(super) async fn create(
    State(node): State<Arc<Node>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    require_cluster_admin(&node, &headers).await?;
    let new: NewDomain = serde_json::from_slice(&body).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            ErrorCode::MalformedJson
        } else {
            ErrorCode::InvalidBody
        };
        ApiError::new(code, e.to_string())
    })?;
    if !switchboard_store::postgres::valid_domain_name(&new.domain) {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!(
                "domain: {:?} is not a domain name (1–63 of a-z, 0-9, - and _, starting with a letter)",
                new.domain
            ),
        ));
    }
    let created = node
        .cluster
        .create_domain(&new.domain, crate::clock::wall_ms())
        .await
        .map_err(|e| ApiError::new(ErrorCode::StorageUnavailable, e.to_string()))?;
    if !created {
        return Err(ApiError::new(
            ErrorCode::DomainExists,
            format!("domain {} exists already", new.domain),
        ));
    }
    let view = node
        .cluster
        .domains()
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|d| d.domain == new.domain))
        .map(DomainView::from);
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// Deletes a routing domain and all its data; its node stops serving it.
#[utoipa::path(delete, path = "/v1/domains/{domain}", tag = "cluster", params(DomainPath),
    responses((status = 204, description = "deleted"),
        (status = 401, body = crate::error::ErrorBody, description = "`unauthorized`"),
        (status = 403, body = crate::error::ErrorBody, description = "`forbidden`: not a cluster-admin key"),
        (status = 404, body = crate::error::ErrorBody, description = "`unknown_domain`"),
        (status = 503, body = crate::error::ErrorBody, description = "`storage_unavailable`")))]
pub(super) async fn delete(
    State(node): State<Arc<Node>>,
    headers: axum::http::HeaderMap,
    axum::extract::Path(domain): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    require_cluster_admin(&node, &headers).await?;
    let deleted = node
        .cluster
        .delete_domain(&domain)
        .await
        .map_err(|e| ApiError::new(ErrorCode::StorageUnavailable, e.to_string()))?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            ErrorCode::UnknownDomain,
            format!("no domain {domain:?}"),
        ))
    }
}
