//! `ApiError`: every failure a client can see, rendered as an RFC 9457
//! problem (`application/problem+json`) with the contract's `code`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::fields::FieldError;
use crate::domain::policy::Denied;
use crate::domain::wish::InvalidTransition;

/// The one error type of the HTTP layer. Each variant names its status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `malformed_request`: not JSON, wrong JSON types, bad query string.
    #[error("{0}")]
    Malformed(String),
    /// 401 `unauthenticated`: missing, invalid or expired credentials.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// 403 `forbidden`: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404 `not_found`: no such object, or the caller may not know it exists.
    #[error("资源不存在")]
    NotFound,
    /// 405 `method_not_allowed`: the path exists, the method does not.
    #[error("不支持该请求方法")]
    MethodNotAllowed,
    /// 409 `invalid_transition`: the action is not allowed from the current status.
    #[error("当前状态({})不允许执行“{}”", .0.from, .0.action)]
    InvalidTransition(InvalidTransition),
    /// 409 `conflict`: uniqueness and similar.
    #[error("{0}")]
    Conflict(String),
    /// 409 `claim_limit_reached`: the claimant already holds the maximum.
    #[error("已达到同时认领的上限({0}个)")]
    ClaimLimitReached(u32),
    /// 412 `precondition_failed`: `If-Match` does not match the current version.
    #[error("心愿已被修改,请刷新后重试")]
    PreconditionFailed,
    /// 413 `payload_too_large`: body over 64 KiB.
    #[error("请求体不能超过64KiB")]
    PayloadTooLarge,
    /// 422 `validation_failed`: well-formed but invalid values, listed per field.
    #[error("请求参数校验失败")]
    Validation(Vec<FieldError>),
    /// 429 `rate_limited`: too many requests; retry after the given seconds.
    #[error("请求过于频繁,请稍后再试")]
    RateLimited(u64),
    /// 503 `unavailable`: a dependency (the database) does not answer.
    #[error("服务暂不可用")]
    Unavailable,
    /// 500 `internal`: a bug or an outage; the cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The problem document (RFC 9457) every error response carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:microwish:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:microwish:problem:validation_failed")]
    pub kind: String,
    #[schema(example = "参数无效")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "请求参数校验失败")]
    pub detail: String,
    /// The machine-readable code of CONTRACT.md §3.
    #[schema(example = "validation_failed", value_type = ProblemCode)]
    pub code: String,
    /// For `validation_failed`: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// Every `code` a problem can carry (CONTRACT.md §3, plus 405, 503 and 500);
/// for the OpenAPI document, matched by `code_names_are_the_documented_ones`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    MalformedRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    InvalidTransition,
    Conflict,
    ClaimLimitReached,
    PreconditionFailed,
    PayloadTooLarge,
    ValidationFailed,
    RateLimited,
    Unavailable,
    Internal,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed_request",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::InvalidTransition(_) => "invalid_transition",
            ApiError::Conflict(_) => "conflict",
            ApiError::ClaimLimitReached(_) => "claim_limit_reached",
            ApiError::PreconditionFailed => "precondition_failed",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::Validation(_) => "validation_failed",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "请求格式错误",
            ApiError::Unauthenticated(_) => "未登录或登录已失效",
            ApiError::Forbidden(_) => "无权执行此操作",
            ApiError::NotFound => "资源不存在",
            ApiError::MethodNotAllowed => "请求方法不允许",
            ApiError::InvalidTransition(_) => "当前状态不允许此操作",
            ApiError::Conflict(_) => "数据冲突",
            ApiError::ClaimLimitReached(_) => "认领数量已达上限",
            ApiError::PreconditionFailed => "版本不匹配",
            ApiError::PayloadTooLarge => "请求体过大",
            ApiError::Validation(_) => "参数无效",
            ApiError::RateLimited(_) => "请求过于频繁",
            ApiError::Unavailable => "服务暂不可用",
            ApiError::Internal(_) => "服务器内部错误",
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let detail = match self {
            ApiError::Internal(_) => "服务器内部错误,请稍后重试".to_owned(),
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:microwish:problem:{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail,
            code: self.code().to_owned(),
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::InvalidTransition(_) | ApiError::Conflict(_) | ApiError::ClaimLimitReached(_) => {
                StatusCode::CONFLICT
            }
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        if let ApiError::RateLimited(secs) = self {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let ApiError::Unauthenticated(_) = self {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.json(self.problem())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::Conflict("数据已存在".to_owned()),
            _ => ApiError::Internal(anyhow::Error::new(err)),
        }
    }
}

impl From<InvalidTransition> for ApiError {
    fn from(err: InvalidTransition) -> Self {
        ApiError::InvalidTransition(err)
    }
}

impl From<Denied> for ApiError {
    fn from(err: Denied) -> Self {
        ApiError::Forbidden(err.to_string())
    }
}

impl From<crate::domain::policy::AdminOnly> for ApiError {
    fn from(err: crate::domain::policy::AdminOnly) -> Self {
        ApiError::Forbidden(err.to_string())
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors)
    }
}

/// The result type of handlers and store functions.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_code_follow_the_contract_table() {
        let cases: Vec<(ApiError, u16, &str)> = vec![
            (ApiError::Malformed("x".into()), 400, "malformed_request"),
            (ApiError::Unauthenticated("x"), 401, "unauthenticated"),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::NotFound, 404, "not_found"),
            (
                ApiError::InvalidTransition(InvalidTransition {
                    from: crate::domain::wish::WishStatus::Open,
                    action: crate::domain::wish::WishAction::Approve,
                }),
                409,
                "invalid_transition",
            ),
            (ApiError::Conflict("x".into()), 409, "conflict"),
            (ApiError::ClaimLimitReached(5), 409, "claim_limit_reached"),
            (ApiError::PreconditionFailed, 412, "precondition_failed"),
            (ApiError::PayloadTooLarge, 413, "payload_too_large"),
            (ApiError::invalid("title", "x"), 422, "validation_failed"),
            (ApiError::RateLimited(3), 429, "rate_limited"),
        ];
        for (err, status, code) in cases {
            let p = err.problem();
            assert_eq!((p.status, p.code.as_str()), (status, code));
            assert_eq!(p.kind, format!("urn:microwish:problem:{code}"));
        }
    }

    #[test]
    fn code_names_are_the_documented_ones() {
        use ProblemCode as C;
        let all = [
            (ApiError::Malformed(String::new()), C::MalformedRequest),
            (ApiError::Unauthenticated(""), C::Unauthenticated),
            (ApiError::Forbidden(String::new()), C::Forbidden),
            (ApiError::NotFound, C::NotFound),
            (ApiError::MethodNotAllowed, C::MethodNotAllowed),
            (
                ApiError::InvalidTransition(InvalidTransition {
                    from: crate::domain::wish::WishStatus::Open,
                    action: crate::domain::wish::WishAction::Approve,
                }),
                C::InvalidTransition,
            ),
            (ApiError::Conflict(String::new()), C::Conflict),
            (ApiError::ClaimLimitReached(1), C::ClaimLimitReached),
            (ApiError::PreconditionFailed, C::PreconditionFailed),
            (ApiError::PayloadTooLarge, C::PayloadTooLarge),
            (ApiError::Validation(Vec::new()), C::ValidationFailed),
            (ApiError::RateLimited(1), C::RateLimited),
            (ApiError::Unavailable, C::Unavailable),
            (ApiError::Internal(anyhow::anyhow!("x")), C::Internal),
        ];
        for (err, code) in all {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(err.code()));
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let p = ApiError::Internal(anyhow::anyhow!("password=hunter2")).problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("hunter2"));
    }
}
