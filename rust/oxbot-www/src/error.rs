//! One error type for the REST API: each kind maps to Buildbot's status code and body in one
//! `match`; internal details are logged, never shown.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxbot_master::data::api::DataError;

/// A failed GET, answered as Buildbot does: `{"error": "..."}` as `text/plain`.
#[derive(Debug)]
pub enum ApiError {
    Data(DataError),
    BadMethod,
}

impl From<DataError> for ApiError {
    fn from(err: DataError) -> ApiError {
        ApiError::Data(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Data(DataError::InvalidPath(path)) => {
                (StatusCode::NOT_FOUND, format!("Invalid path: {path}"))
            }
            ApiError::Data(DataError::NotFound(what)) => (
                StatusCode::NOT_FOUND,
                format!("not found while getting {what}"),
            ),
            ApiError::Data(DataError::BadQuery(message)) => (StatusCode::BAD_REQUEST, message),
            ApiError::Data(DataError::Internal(message)) => {
                tracing::error!(cause = %message, "REST request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_owned(),
                )
            }
            ApiError::BadMethod => (StatusCode::BAD_REQUEST, "invalid HTTP method".to_owned()),
        };
        let body = serde_json::json!({ "error": message });
        let text = oxbot_master::data::api::pyjson::python_json(&body, false);
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text,
        )
            .into_response()
    }
}
