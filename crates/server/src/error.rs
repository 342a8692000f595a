//! Errors: the crate's error enum (start-up and operations) and the one JSON shape every failed
//! request gets: `{ "error": { "code", "message", "field"? } }`, with a stable snake_case code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why the server could not start or an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is missing, unreadable or invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A secret file is missing or malformed.
    #[error("secret {0}: {1}")]
    Secret(String, String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] store::DbError),
    /// The object store failed.
    #[error("object store: {0}")]
    Objects(#[from] store::objects::Error),
    /// TLS set-up failed.
    #[error("tls: {0}")]
    Tls(String),
    /// A file-system operation failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// The trust store could not be loaded.
    #[error("trust store: {0}")]
    Trust(String),
    /// A model is missing, altered or does not load.
    #[error("models: {1}")]
    Models(&'static str, String),
    /// The licence does not verify (edited, another machine, not yet valid, wrong key).
    #[error("{1}")]
    Licence(&'static str, String),
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => "config_invalid",
            Error::Secret(..) => "secret_invalid",
            Error::Db(e) => e.code(),
            Error::Objects(e) => e.code(),
            Error::Tls(_) => "tls_invalid",
            Error::Io(..) => "io_error",
            Error::Trust(_) => "trust_store_invalid",
            Error::Models(code, _) | Error::Licence(code, _) => code,
        }
    }
}

/// An error answered to an HTTP client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code.
    pub code: &'static str,
    /// A sentence for a developer; never personal data.
    pub message: String,
    /// The request field at fault, if one is.
    pub field: Option<String>,
    /// Seconds to wait (429, 503).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// Names the field at fault.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `not_found`.
    #[must_use]
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    /// 409 with a code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// 500 `internal_error`; the cause goes to the log (by code), not to the client.
    #[must_use]
    pub fn internal(code: &'static str) -> ApiError {
        tracing::error!(code, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server could not complete the request; see its log",
        )
    }

    /// 503 `unavailable` (database or storage down).
    #[must_use]
    pub fn unavailable(code: &'static str) -> ApiError {
        tracing::warn!(code, "dependency unavailable");
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "a storage backend is unavailable; retry later",
        );
        e.retry_after = Some(5);
        e
    }
}

impl From<store::DbError> for ApiError {
    fn from(e: store::DbError) -> ApiError {
        match e {
            store::DbError::NotFound => ApiError::not_found(),
            store::DbError::Conflict { actual, .. } => ApiError::conflict(
                "invalid_state",
                format!("the verification is {actual}; this request does not apply"),
            ),
            store::DbError::Sql(e) => {
                // The driver's message names tables and constraints, never bound values.
                tracing::warn!(error = %e, "database error");
                ApiError::unavailable("database_unavailable")
            }
            other => ApiError::internal(other.code()),
        }
    }
}

impl From<auth::Error> for ApiError {
    fn from(e: auth::Error) -> ApiError {
        let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"idverify\""),
            );
        }
        response
    }
}
