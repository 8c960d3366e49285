//! Keyset pagination: `?limit=&cursor=` → `{items, next_cursor}`.
//!
//! The cursor is the opaque last id of a page; the next page continues
//! strictly past it, so rows inserted meanwhile are neither skipped nor repeated.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

/// Paging parameters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A validated page request.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Uuid>,
}

impl PageParams {
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit {
            None => 20,
            Some(n) if (1..=100).contains(&n) => n as u64,
            Some(_) => return Err(ApiError::Malformed("limit 须在1到100之间".to_owned())),
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| ApiError::Malformed("cursor 无效".to_owned()))?),
        };
        Ok(PageRequest { limit, after })
    }
}

fn decode_cursor(c: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    Uuid::from_slice(&bytes).ok()
}

fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in order: the extra
    /// row only tells that another page exists.
    pub fn from_rows<R>(mut rows: Vec<R>, req: PageRequest, id: impl Fn(&R) -> Uuid, view: impl FnMut(R) -> T) -> Self {
        let more = rows.len() as u64 > req.limit;
        rows.truncate(req.limit as usize);
        let next_cursor = if more { rows.last().map(|r| encode_cursor(id(r))) } else { None };
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        let bad = PageParams { limit: None, cursor: Some("@@".into()) };
        assert!(bad.request().is_err());
        assert!(PageParams { limit: Some(0), cursor: None }.request().is_err());
        assert!(PageParams { limit: Some(101), cursor: None }.request().is_err());
        assert_eq!(PageParams::default().request().unwrap().limit, 20);
    }
}
