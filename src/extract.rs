//! Request extractors whose failures are problem responses: JSON bodies
//! (64 KiB at most), optional bodies, and query strings.

use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::domain::fields::FieldError;
use crate::error::ApiError;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON request body.
pub struct Body<T>(pub T);

/// A JSON request body that may be omitted (an empty body is `T::default()`).
pub struct OptionalBody<T>(pub T);

async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<Vec<u8>, ApiError> {
    if let Some(len) = req.headers().get(header::CONTENT_LENGTH)
        && let Some(len) = len.to_str().ok().and_then(|s| s.parse::<usize>().ok())
        && len > MAX_BODY
    {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::Malformed(format!("无法读取请求体: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses JSON; wrong syntax or JSON types are 400, well-typed but invalid
/// values (missing fields, unknown enum values, bad UUIDs or dates) are 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every request body of the API is a JSON object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::Malformed("请求体必须是JSON对象".to_owned()));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let msg = inner.to_string();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Data if !msg.starts_with("invalid type") && !msg.starts_with("invalid length") => {
                let field = if let Some(rest) = msg.strip_prefix("missing field `") {
                    let name = rest.split('`').next().unwrap_or_default();
                    if path == "." { name.to_owned() } else { format!("{path}.{name}") }
                } else {
                    path
                };
                ApiError::Validation(vec![FieldError { field, message: data_message(&msg) }])
            }
            _ if path == "." || path == "?" => ApiError::Malformed(format!("请求体不是有效的JSON: {msg}")),
            _ => ApiError::Malformed(format!("请求体不是有效的JSON: {msg} (字段 {path})")),
        }
    })
}

fn data_message(msg: &str) -> String {
    if msg.starts_with("missing field") {
        "必填".to_owned()
    } else if msg.starts_with("unknown variant") {
        // "unknown variant `x`, expected one of `a`, `b`"
        let expected = msg.split_once("expected ").map(|(_, e)| e).unwrap_or(msg);
        format!("取值无效,可选值: {}", expected.replace("one of ", ""))
    } else {
        format!("取值无效: {}", msg.split(" at line").next().unwrap_or(msg))
    }
}

/// Reads and parses a JSON body; an empty body is `when_empty()`.
fn json_body<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    when_empty: fn() -> Result<T, ApiError>,
) -> Pin<Box<dyn Future<Output = Result<T, ApiError>>>> {
    let req = req.clone();
    let mut payload = payload.take();
    Box::pin(async move {
        let bytes = read_body(&req, &mut payload).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) { when_empty() } else { parse_json(&bytes) }
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload, || Err(ApiError::Malformed("请求体不能为空".to_owned())));
        Box::pin(async move { body.await.map(Body) })
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload, || Ok(T::default()));
        Box::pin(async move { body.await.map(OptionalBody) })
    }
}

/// A query string; anything it cannot read is a 400.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            serde_urlencoded_from(req.query_string())
                .map(Query)
                .map_err(|e| ApiError::Malformed(format!("查询参数无效: {e}"))),
        )
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(q: &str) -> Result<T, String> {
    actix_web::web::Query::<T>::from_query(q).map(|q| q.into_inner()).map_err(|e| e.to_string())
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct T {
        title: String,
        n: Option<i64>,
        kind: Option<K>,
        id: Option<uuid::Uuid>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum K {
        A,
    }

    fn err(body: &str) -> ApiError {
        parse_json::<T>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn syntax_and_type_errors_are_400() {
        assert!(matches!(err("{"), ApiError::Malformed(_)));
        assert!(matches!(err("[]"), ApiError::Malformed(_)));
        assert!(matches!(err(r#"{"title": 3}"#), ApiError::Malformed(_)));
        assert!(matches!(err(r#"{"title": "x", "n": "3"}"#), ApiError::Malformed(_)));
    }

    #[test]
    fn invalid_values_are_422_with_the_field() {
        let field = |e: ApiError| match e {
            ApiError::Validation(v) => v[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(err("{}")), "title");
        assert_eq!(field(err(r#"{"title":"x","kind":"b"}"#)), "kind");
        assert_eq!(field(err(r#"{"title":"x","id":"nope"}"#)), "id");
    }
}
