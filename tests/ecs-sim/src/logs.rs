//! The CloudWatch Logs events that simulated tasks "print".
//!
//! Containers using the `awslogs` driver write to group `awslogs-group`, stream
//! `<awslogs-stream-prefix>/<container-name>/<task-id>`. Timestamps are simulated
//! epoch milliseconds.

use std::collections::BTreeMap;

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// When the line was written, in epoch milliseconds.
    pub timestamp: i64,
    /// When CloudWatch ingested it, in epoch milliseconds.
    pub ingestion_time: i64,
    /// The line.
    pub message: String,
}

/// All log groups and streams.
#[derive(Debug, Default, Clone)]
pub struct LogStore {
    groups: BTreeMap<String, BTreeMap<String, Vec<LogEvent>>>,
}

impl LogStore {
    /// Append `message` at simulated time `t` (epoch seconds).
    pub fn put(&mut self, group: &str, stream: &str, t: f64, message: &str) {
        #[allow(clippy::cast_possible_truncation)]
        let timestamp = (t * 1000.0) as i64;
        self.groups
            .entry(group.to_owned())
            .or_default()
            .entry(stream.to_owned())
            .or_default()
            .push(LogEvent {
                timestamp,
                ingestion_time: timestamp + 150,
                message: message.to_owned(),
            });
    }

    /// Whether the log group exists.
    #[must_use]
    pub fn has_group(&self, group: &str) -> bool {
        self.groups.contains_key(group)
    }

    /// The events of one stream, if it exists.
    #[must_use]
    pub fn stream(&self, group: &str, stream: &str) -> Option<&[LogEvent]> {
        self.groups.get(group)?.get(stream).map(Vec::as_slice)
    }

    /// All streams of a group, in name order.
    pub fn streams(&self, group: &str) -> impl Iterator<Item = (&str, &[LogEvent])> {
        self.groups
            .get(group)
            .into_iter()
            .flat_map(|g| g.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
    }
}
