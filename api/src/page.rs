//! Keyset pagination by id, and the serde helpers of PATCH bodies.
//!
//! A list takes `?after=<id>&limit=<1..=1000>` (defaults 0 and 100) and answers
//! `{"items": [...], "next_after": <id> | null}`: `next_after` is the last item's id
//! when more rows follow, null on the last page; pass it as `after` for the next page.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Items per page unless asked otherwise.
pub const DEFAULT_LIMIT: i64 = 100;
/// Most items a page may ask for.
pub const MAX_LIMIT: i64 = 1000;

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The rows, in ascending id order.
    pub items: Vec<T>,
    /// Pass as `after` for the next page; null when this is the last one.
    pub next_after: Option<i64>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows with an id above this.
    pub after: i64,
    /// At most this many rows.
    pub limit: i64,
}

impl PageRequest {
    /// Checks `after` (not negative) and `limit` (1 to 1000), applying the defaults.
    pub fn new(after: Option<i64>, limit: Option<i64>) -> Result<PageRequest, ApiError> {
        let after = after.unwrap_or(0);
        if after < 0 {
            return Err(ApiError::field("after", "after must be 0 or a row's id"));
        }
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                format!("limit must be from 1 to {MAX_LIMIT}"),
            ));
        }
        Ok(PageRequest { after, limit })
    }

    /// The limit to query with: one more row than the page, to know whether another
    /// page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The page of `rows` (fetched with [`PageRequest::fetch`]), converted by `into`.
    pub fn page<R, T>(&self, mut rows: Vec<R>, id: fn(&R) -> i64, into: fn(R) -> T) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        let next_after = if more { rows.last().map(id) } else { None };
        Page {
            items: rows.into_iter().map(into).collect(),
            next_after,
        }
    }
}

/// A PATCH field that must not be null: absent keeps the value (`None`), present sets
/// it. Use with `#[serde(default, deserialize_with = "page::present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A PATCH field that may be null: absent keeps the value (`None`), null clears it
/// (`Some(None)`), a value sets it. Use with
/// `#[serde(default, deserialize_with = "page::nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The value a PATCH leaves in place or sets.
pub fn patched<T>(current: T, patch: Option<T>) -> T {
    patch.unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_and_defaulted() {
        assert_eq!(
            PageRequest::new(None, None).unwrap(),
            PageRequest {
                after: 0,
                limit: DEFAULT_LIMIT
            }
        );
        for bad in [0, -1, MAX_LIMIT + 1] {
            match PageRequest::new(None, Some(bad)) {
                Err(ApiError::Validation { field, .. }) => {
                    assert_eq!(field.as_deref(), Some("limit"))
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(PageRequest::new(Some(-5), None).is_err());
    }

    #[test]
    fn next_after_is_set_only_when_more_rows_follow() {
        let page = PageRequest::new(None, Some(2)).unwrap();
        let full = page.page(vec![1_i64, 2, 3], |r| *r, |r| r);
        assert_eq!((full.items, full.next_after), (vec![1, 2], Some(2)));
        let last = page.page(vec![1_i64, 2], |r| *r, |r| r);
        assert_eq!((last.items, last.next_after), (vec![1, 2], None));
    }

    #[derive(Debug, Deserialize)]
    struct Patch {
        #[serde(default, deserialize_with = "present")]
        name: Option<String>,
        #[serde(default, deserialize_with = "nullable")]
        note: Option<Option<String>>,
    }

    #[test]
    fn absent_keeps_null_clears_and_a_required_field_refuses_null() {
        let p: Patch = serde_json::from_str("{}").unwrap();
        assert_eq!((p.name, p.note), (None, None));
        let p: Patch = serde_json::from_str(r#"{"name":"a","note":null}"#).unwrap();
        assert_eq!((p.name.as_deref(), p.note), (Some("a"), Some(None)));
        assert!(serde_json::from_str::<Patch>(r#"{"name":null}"#).is_err());
    }
}
