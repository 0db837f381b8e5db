//! The state lock that terraform reports when someone else holds it.
//!
//! terraform puts the lock into the detail of its "Error acquiring the state
//! lock" diagnostic as indented `Key: value` lines under `Lock Info:`; every
//! backend (S3 lock file, DynamoDB, local) uses that format.

use std::fmt;

use serde::Serialize;

/// The summary of terraform's diagnostic for a lock held by someone else.
pub const LOCK_ERROR_SUMMARY: &str = "Error acquiring the state lock";

/// Who holds the state lock, since when and for what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LockInfo {
    /// Lock id, the argument of `terraform force-unlock`.
    pub id: String,
    /// The locked state.
    pub path: String,
    /// What the holder is doing (`OperationTypeApply`).
    pub operation: String,
    /// `user@host` of the holder.
    pub who: String,
    /// terraform version of the holder.
    pub version: String,
    /// When the lock was taken.
    pub created: String,
    /// Free text the holder attached.
    pub info: String,
}

impl LockInfo {
    /// Reads the `Lock Info:` block of a diagnostic's detail; `None` without one.
    pub fn parse(detail: &str) -> Option<LockInfo> {
        let block = &detail[detail.find("Lock Info:")?..];
        let mut lock = LockInfo::default();
        for line in block.lines().skip(1) {
            let Some((key, value)) = line.trim().split_once(':') else {
                if line.trim().is_empty() {
                    break;
                }
                continue;
            };
            let value = value.trim().to_owned();
            match key.trim() {
                "ID" => lock.id = value,
                "Path" => lock.path = value,
                "Operation" => lock.operation = value,
                "Who" => lock.who = value,
                "Version" => lock.version = value,
                "Created" => lock.created = value,
                "Info" => lock.info = value,
                _ => {}
            }
        }
        (!lock.id.is_empty()).then_some(lock)
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("ID", &self.id),
            ("Path", &self.path),
            ("Operation", &self.operation),
            ("Who", &self.who),
            ("Version", &self.version),
            ("Created", &self.created),
            ("Info", &self.info),
        ];
        let mut first = true;
        for (key, value) in rows.into_iter().filter(|(_, v)| !v.is_empty()) {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "  {:<10} {value}", format!("{key}:"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DETAIL: &str = "Error message: operation error S3: PutObject, https response error StatusCode: 412, api error PreconditionFailed: At least one of the pre-conditions you specified did not hold\nLock Info:\n  ID:        647d9bf8-1487-73ce-ecbf-fea9124d23e9\n  Path:      tfstate/dev/terraform.tfstate\n  Operation: OperationTypeApply\n  Who:       root@vm\n  Version:   1.11.4\n  Created:   2026-11-25 17:16:18.039894446 +0000 UTC\n  Info:      \n\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time.";

    #[test]
    fn parses_terraform_lock_info() {
        let lock = LockInfo::parse(DETAIL).unwrap();
        assert_eq!(lock.id, "647d9bf8-1487-73ce-ecbf-fea9124d23e9");
        assert_eq!(lock.path, "tfstate/dev/terraform.tfstate");
        assert_eq!(lock.operation, "OperationTypeApply");
        assert_eq!(lock.who, "root@vm");
        assert_eq!(lock.created, "2026-11-25 17:16:18.039894446 +0000 UTC");
        assert_eq!(lock.info, "");
        let shown = lock.to_string();
        assert!(shown.contains("  Who:       root@vm"), "{shown}");
        assert!(!shown.contains("Info"), "{shown}");
    }

    #[test]
    fn no_lock_block_is_none() {
        assert_eq!(LockInfo::parse("Error: something else"), None);
    }
}
