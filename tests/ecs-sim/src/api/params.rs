//! Reading request parameters from the JSON body, and paging lists.

use serde_json::Value;

use super::errors::ApiError;

/// The JSON body of a request.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a>(pub &'a Value);

impl<'a> Params<'a> {
    /// A string parameter.
    #[must_use]
    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// A required string parameter.
    ///
    /// # Errors
    /// InvalidParameterException naming the parameter.
    pub fn required(&self, key: &str) -> Result<&'a str, ApiError> {
        self.str(key)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("{key} must be specified.")))
    }

    /// An integer parameter.
    #[must_use]
    pub fn i64(&self, key: &str) -> Option<i64> {
        self.0.get(key).and_then(Value::as_i64)
    }

    /// A boolean parameter (false when absent).
    #[must_use]
    pub fn bool(&self, key: &str) -> bool {
        self.0.get(key).and_then(Value::as_bool).unwrap_or(false)
    }

    /// Any parameter.
    #[must_use]
    pub fn value(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A list of strings (empty when absent).
    #[must_use]
    pub fn strings(&self, key: &str) -> Vec<&'a str> {
        self.0
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether `include` lists `what` (e.g. TAGS).
    #[must_use]
    pub fn includes(&self, what: &str) -> bool {
        self.strings("include").contains(&what)
    }

    /// Tags as (key, value) pairs from `[{"key":..,"value":..}]`.
    #[must_use]
    pub fn tags(&self) -> Vec<(String, String)> {
        self.0
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| {
                        let k = t.get("key")?.as_str()?;
                        let v = t.get("value").and_then(Value::as_str).unwrap_or("");
                        Some((k.to_owned(), v.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One page of `items` from `nextToken` (an offset), at most `maxResults` (default 100).
pub fn page<T>(items: Vec<T>, p: Params<'_>) -> (Vec<T>, Option<String>) {
    let start: usize = p.str("nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let max = p
        .i64("maxResults")
        .and_then(|m| usize::try_from(m).ok())
        .filter(|m| *m > 0)
        .unwrap_or(100);
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let end = start + page.len();
    let next = (end < total).then(|| end.to_string());
    (page, next)
}
