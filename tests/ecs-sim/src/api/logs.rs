//! The CloudWatch Logs operations (`Logs_20140328.<Op>`) over the lines tasks print:
//! GetLogEvents, FilterLogEvents and DescribeLogStreams.

use serde_json::{Value, json};

use super::errors::ApiError;
use super::params::Params;
use crate::logs::{LogEvent, LogStore};

/// Run CloudWatch Logs operation `op`.
///
/// # Errors
/// The AWS error the operation answers with.
pub fn call(logs: &LogStore, op: &str, body: &Value) -> Result<Value, ApiError> {
    let p = Params(body);
    match op {
        "GetLogEvents" => get_log_events(logs, p),
        "FilterLogEvents" => filter_log_events(logs, p),
        "DescribeLogStreams" => describe_log_streams(logs, p),
        _ => Err(ApiError::unknown_operation(op)),
    }
}

fn not_found(what: &str) -> ApiError {
    ApiError::new(
        "ResourceNotFoundException",
        format!("The specified log {what} does not exist."),
    )
}

fn group_name<'a>(p: Params<'a>) -> Result<&'a str, ApiError> {
    match p.str("logGroupName") {
        Some(g) => Ok(g),
        None => p
            .str("logGroupIdentifier")
            .map(|g| g.rsplit(":log-group:").next().unwrap_or(g))
            .ok_or_else(|| ApiError::invalid("logGroupName must be specified.")),
    }
}

fn in_range(e: &LogEvent, p: Params<'_>) -> bool {
    p.i64("startTime").is_none_or(|s| e.timestamp >= s)
        && p.i64("endTime").is_none_or(|end| e.timestamp < end)
}

fn event_json(e: &LogEvent) -> Value {
    json!({"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time})
}

fn get_log_events(logs: &LogStore, p: Params<'_>) -> Result<Value, ApiError> {
    let group = group_name(p)?;
    let stream_name = p
        .str("logStreamName")
        .ok_or_else(|| ApiError::invalid("logStreamName must be specified."))?;
    if !logs.has_group(group) {
        return Err(not_found("group"));
    }
    let events = logs
        .stream(group, stream_name)
        .ok_or_else(|| not_found("stream"))?;
    let matching: Vec<&LogEvent> = events.iter().filter(|e| in_range(e, p)).collect();
    let total = matching.len();
    let limit = p
        .i64("limit")
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l > 0)
        .unwrap_or(10_000);
    let token = p.str("nextToken");
    let from_head = p.bool("startFromHead");
    let (start, end) = match token.and_then(|t| t.split_once('/')) {
        Some(("f", n)) => {
            let s = n.parse::<usize>().unwrap_or(total).min(total);
            (s, (s + limit).min(total))
        }
        Some(("b", n)) => {
            let e = n.parse::<usize>().unwrap_or(0).min(total);
            (e.saturating_sub(limit), e)
        }
        _ if from_head => (0, limit.min(total)),
        _ => (total.saturating_sub(limit), total),
    };
    let page: Vec<Value> = matching
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|e| event_json(e))
        .collect();
    Ok(json!({
        "events": page,
        "nextForwardToken": format!("f/{end:056}"),
        "nextBackwardToken": format!("b/{start:056}"),
    }))
}

/// Does `message` match a CloudWatch filter pattern? Supports the empty pattern, quoted
/// phrases and space-separated terms (all must appear), `?term` alternatives.
fn matches(pattern: &str, message: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return true;
    }
    if let Some(quoted) = pattern.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return message.contains(quoted);
    }
    let terms: Vec<&str> = pattern.split_whitespace().collect();
    if terms.iter().all(|t| t.starts_with('?')) {
        return terms
            .iter()
            .any(|t| message.contains(t.trim_start_matches('?')));
    }
    terms.iter().all(|t| message.contains(t.trim_matches('"')))
}

fn filter_log_events(logs: &LogStore, p: Params<'_>) -> Result<Value, ApiError> {
    let group = group_name(p)?;
    if !logs.has_group(group) {
        return Err(not_found("group"));
    }
    let names = p.strings("logStreamNames");
    let prefix = p.str("logStreamNamePrefix");
    let pattern = p.str("filterPattern").unwrap_or("");
    let mut found: Vec<(String, &LogEvent)> = Vec::new();
    let mut searched = Vec::new();
    for (stream, events) in logs.streams(group) {
        if !names.is_empty() && !names.contains(&stream) {
            continue;
        }
        if prefix.is_some_and(|pre| !stream.starts_with(pre)) {
            continue;
        }
        searched.push(json!({"logStreamName": stream, "searchedCompletely": true}));
        for e in events {
            if in_range(e, p) && matches(pattern, &e.message) {
                found.push((stream.to_owned(), e));
            }
        }
    }
    found.sort_by_key(|(_, e)| e.timestamp);
    let start: usize = p.str("nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let limit = p
        .i64("limit")
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l > 0)
        .unwrap_or(10_000);
    let total = found.len();
    let end = (start + limit).min(total);
    let events: Vec<Value> = found
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, (stream, e))| {
            let mut v = event_json(e);
            v["logStreamName"] = json!(stream);
            v["eventId"] = json!(format!("{:020}{:016}", e.timestamp, start + i));
            v
        })
        .collect();
    let mut out = json!({"events": events, "searchedLogStreams": searched});
    if end < total {
        out["nextToken"] = json!(end.to_string());
    }
    Ok(out)
}

fn describe_log_streams(logs: &LogStore, p: Params<'_>) -> Result<Value, ApiError> {
    let group = group_name(p)?;
    if !logs.has_group(group) {
        return Err(not_found("group"));
    }
    let prefix = p.str("logStreamNamePrefix");
    let streams: Vec<Value> = logs
        .streams(group)
        .filter(|(name, _)| prefix.is_none_or(|pre| name.starts_with(pre)))
        .map(|(name, events)| {
            let first = events.first().map_or(0, |e| e.timestamp);
            let last = events.last().map_or(0, |e| e.timestamp);
            json!({
                "logStreamName": name,
                "creationTime": first,
                "firstEventTimestamp": first,
                "lastEventTimestamp": last,
                "lastIngestionTime": last + 150,
                "storedBytes": 0,
            })
        })
        .collect();
    Ok(json!({"logStreams": streams}))
}
