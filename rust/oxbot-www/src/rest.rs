//! `/api/v2`: GETs answered from the data API with Buildbot's envelope and JSON formatting,
//! and POSTs as JSON-RPC 2.0 control calls.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt as _;
use oxbot_master::control::ControlError;
use oxbot_master::data::api::pyjson::{python_json, python_json_pretty, python_json_unsorted};
use oxbot_master::data::api::{DataResult, QueryParams};
use serde_json::{Map, Value, json};

use crate::answers::{Answer, AnswerCache, AnswerKey};
use crate::control::Refusal;
use crate::{ApiError, WwwState};

/// Groups `a=1&a=2&b=3` into `[("a", ["1", "2"]), ("b", ["3"])]`, in first-seen order.
fn parse_query(raw: Option<&str>) -> QueryParams {
    let mut params: QueryParams = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match params.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value.into_owned()),
            None => params.push((key.into_owned(), vec![value.into_owned()])),
        }
    }
    params
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `GET /api`.
pub(crate) async fn api_root(State(state): State<WwwState>) -> Response {
    let body = json!({"api_versions": {"v2": format!("{}api/v2", state.buildbot_url)}});
    (
        [(header::CONTENT_TYPE, "application/json")],
        python_json(&body, true),
    )
        .into_response()
}

/// `GET /api/v2/<path>`.
pub(crate) async fn get(
    State(state): State<WwwState>,
    Extension(answers): Extension<Arc<AnswerCache>>,
    Path(path): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let segments: Vec<&str> = path.split('/').collect();
    answer(&state, &answers, &segments, &uri, &headers).await
}

/// `GET /api/v2` (the root links) and `GET /api/v2/` (an invalid path, as in Buildbot).
pub(crate) async fn get_root(
    State(state): State<WwwState>,
    Extension(answers): Extension<Arc<AnswerCache>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let segments: &[&str] = if uri.path().ends_with('/') {
        &[""]
    } else {
        &[]
    };
    answer(&state, &answers, segments, &uri, &headers).await
}

/// Answers a GET from the data API with Buildbot's envelope and layout, or with the same
/// answer made earlier if the data has not changed since.
async fn answer(
    state: &WwwState,
    answers: &AnswerCache,
    segments: &[&str],
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let key = AnswerKey {
        path_and_query: uri.path_and_query().map_or("", |pq| pq.as_str()).to_owned(),
        json: wants_json(headers),
    };
    // Read before the data: a write landing meanwhile makes the answer older than its data.
    let version = state.data.version();
    if let Some(version) = version
        && let Some(kept) = answers.get(version, &key)
    {
        return Ok(([(header::CONTENT_TYPE, kept.content_type)], kept.body).into_response());
    }
    let params = parse_query(uri.query());
    let result = state.data.get(segments, &params).await?;
    let body = match result {
        DataResult::Raw {
            content_type,
            filename,
            body,
        } => {
            let body = axum::body::Body::from_stream(body.map_err(|err| {
                tracing::error!(cause = %err, "a raw download failed while it was being sent");
                std::io::Error::other(err.to_string())
            }));
            let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
            if let Some(name) = filename
                && let Ok(value) = format!("attachment; filename={name}").parse()
            {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            return Ok(response);
        }
        DataResult::Collection { key, items, total } => {
            let mut body = Map::new();
            body.insert(key.to_owned(), Value::Array(items));
            body.insert("meta".to_owned(), json!({"total": total}));
            Value::Object(body)
        }
        DataResult::Single { key, item } => {
            let mut body = Map::new();
            body.insert(key.to_owned(), Value::Array(vec![item]));
            body.insert("meta".to_owned(), json!({}));
            Value::Object(body)
        }
    };
    let made = if key.json {
        Answer {
            content_type: "application/json; charset=utf-8",
            body: Bytes::from(python_json(&body, true)),
        }
    } else {
        Answer {
            content_type: "text/plain; charset=utf-8",
            body: Bytes::from(python_json_pretty(&body)),
        }
    };
    if let Some(version) = version {
        answers.put(version, key, made.clone());
    }
    Ok(([(header::CONTENT_TYPE, made.content_type)], made.body).into_response())
}

/// Any other method on `/api/v2/...`.
pub(crate) async fn bad_method() -> ApiError {
    ApiError::BadMethod
}

/// A JSON-RPC error reply (`id` is absent when the request's id was never read).
fn rpc_error(status: StatusCode, id: Option<&Value>, code: i64, message: Value) -> Response {
    let mut body = Map::new();
    body.insert("jsonrpc".to_owned(), json!("2.0"));
    if let Some(id) = id {
        body.insert("id".to_owned(), id.clone());
    }
    let mut error = Map::new();
    error.insert("code".to_owned(), json!(code));
    error.insert("message".to_owned(), message);
    body.insert("error".to_owned(), Value::Object(error));
    // Buildbot writes error bodies with json.dumps defaults, keys in insertion order.
    let text = python_json_unsorted(&Value::Object(body));
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// `POST /api/v2/<path>`: a JSON-RPC 2.0 control call.
pub(crate) async fn post(
    State(state): State<WwwState>,
    Path(path): Path<String>,
    user: Option<axum::Extension<crate::auth::SessionUser>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim() == "application/json")
        });
    if !is_json {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            None,
            -32600,
            json!("Invalid content-type (use application/json)"),
        );
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                None,
                -32700,
                json!(format!("JSON parse error: {e}")),
            );
        }
    };
    let Value::Object(request) = request else {
        let message = if request.is_array() {
            "JSONRPC batch requests are not supported"
        } else {
            "JSONRPC root object must be an object"
        };
        return rpc_error(StatusCode::BAD_REQUEST, None, -32600, json!(message));
    };
    for key in ["jsonrpc", "method", "params", "id"] {
        if !request.contains_key(key) {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                None,
                -32600,
                json!(format!("missing key '{key}'")),
            );
        }
    }
    let id = &request["id"];
    if !(id.is_string() || id.is_number() || id.is_null()) {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            None,
            -32600,
            json!("'id' must be a string, number, or null"),
        );
    }
    if request["jsonrpc"] != "2.0" {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            Some(id),
            -32600,
            json!("only JSONRPC 2.0 is supported"),
        );
    }
    let (Some(method), Some(params)) = (request["method"].as_str(), request["params"].as_object())
    else {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            Some(id),
            -32600,
            json!("'params' must be an object and 'method' a string"),
        );
    };
    let mut params = params.clone();
    // Buildbot sets the owner from the session (anonymous without one).
    let owner = user.map_or_else(|| json!("anonymous"), |u| u.owner());
    params.insert("owner".to_owned(), owner);
    let outcome = match crate::control::dispatch(&state, &path, method, params).await {
        Ok(result) => Ok(result),
        Err(Refusal::Control(err)) => Err(err),
        Err(Refusal::InvalidPath) => {
            return rpc_error(
                StatusCode::NOT_FOUND,
                Some(id),
                -32600,
                json!(format!("Invalid path: {path}")),
            );
        }
        Err(Refusal::NotSupported) => {
            return rpc_error(
                StatusCode::NOT_IMPLEMENTED,
                Some(id),
                -32601,
                json!(format!("action: {method} is not supported")),
            );
        }
    };
    match outcome {
        Ok(result) => {
            let body = json!({"id": id, "jsonrpc": "2.0", "result": result});
            (
                [(header::CONTENT_TYPE, "application/json")],
                python_json(&body, true),
            )
                .into_response()
        }
        Err(ControlError::Invalid { message, fields }) => {
            let message = if fields.is_empty() {
                json!(message)
            } else {
                json!(fields)
            };
            rpc_error(StatusCode::BAD_REQUEST, Some(id), -32602, message)
        }
        Err(ControlError::NotFound(message)) => {
            rpc_error(StatusCode::NOT_FOUND, Some(id), -32600, json!(message))
        }
        Err(ControlError::Internal(message)) => {
            tracing::error!(cause = %message, "control action failed");
            rpc_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(id),
                -32603,
                json!(message),
            )
        }
    }
}
