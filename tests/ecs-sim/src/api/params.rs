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

/// Page sizes of a list operation: ECS's default and largest `maxResults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize {
    /// Items returned when `maxResults` is absent.
    pub default: usize,
    /// Largest `maxResults` accepted (the smallest is 1).
    pub max: usize,
}

/// ListTasks, ListTaskDefinitions, ListClusters: up to 100, default 100.
pub const PAGE_100: PageSize = PageSize {
    default: 100,
    max: 100,
};
/// ListServices: up to 100, default 10.
pub const PAGE_SERVICES: PageSize = PageSize {
    default: 10,
    max: 100,
};
/// ListServiceDeployments: up to 100, default 20.
pub const PAGE_SERVICE_DEPLOYMENTS: PageSize = PageSize {
    default: 20,
    max: 100,
};

/// One page of `items` from `nextToken`, at most `maxResults` (within `size`).
///
/// The token is opaque to clients; here it is the offset of the next item.
///
/// # Errors
/// InvalidParameterException for a `maxResults` out of range or a token this list did
/// not hand out.
pub fn page<T>(
    items: Vec<T>,
    p: Params<'_>,
    size: PageSize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = match p.value("maxResults") {
        None => size.default,
        Some(v) => v
            .as_i64()
            .and_then(|m| usize::try_from(m).ok())
            .filter(|m| (1..=size.max).contains(m))
            .ok_or_else(|| {
                ApiError::invalid(format!("maxResults must be between 1 and {}.", size.max))
            })?,
    };
    let total = items.len();
    let start = match p.str("nextToken") {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|s| *s > 0 && *s <= total)
            .ok_or_else(|| ApiError::invalid("Invalid nextToken."))?,
    };
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let end = start + page.len();
    let next = (end < total).then(|| end.to_string());
    Ok((page, next))
}

/// The list `key`, which must hold 1 to `most` items.
///
/// # Errors
/// InvalidParameterException as ECS words it: "`empty` cannot be empty." and
/// "`name` can have at most `most` items.".
pub fn batch<'a>(
    p: Params<'a>,
    key: &str,
    empty: &str,
    name: &str,
    most: usize,
) -> Result<Vec<&'a str>, ApiError> {
    let items = p.strings(key);
    if items.is_empty() {
        return Err(ApiError::invalid(format!("{empty} cannot be empty.")));
    }
    if items.len() > most {
        return Err(ApiError::invalid(format!(
            "{name} can have at most {most} items."
        )));
    }
    Ok(items)
}
