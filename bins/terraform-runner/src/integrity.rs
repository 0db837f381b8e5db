//! Plan integrity: the plan file's sha256 (written beside it as
//! `PATH.sha256` in `sha256sum` format) and the freshness of the state it
//! was planned against.
//!
//! `terraform show -json` does not expose the serial and lineage of the
//! prior state, so they are read from the plan file itself, a zip archive
//! whose `tfstate` entry is the state the plan was made from.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// `PATH.sha256`, the checksum file of plan file `PATH`.
pub fn checksum_path(plan: &Path) -> PathBuf {
    let mut name = plan.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// The lowercase hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(Error::io("cannot read", path))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// One `sha256sum` line for `plan`: `HEX  FILENAME`.
pub fn checksum_line(plan: &Path, sha: &str) -> String {
    let name = plan.file_name().map_or_else(
        || plan.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    format!("{sha}  {name}\n")
}

/// Writes `PATH.sha256` for `plan` and returns the checksum.
pub fn write_checksum(plan: &Path) -> Result<String, Error> {
    let sha = sha256_file(plan)?;
    let path = checksum_path(plan);
    std::fs::write(&path, checksum_line(plan, &sha)).map_err(Error::io("cannot write", &path))?;
    Ok(sha)
}

/// Checks that `plan` has the checksum given by `--plan-sha256` or, without
/// it, by `PATH.sha256`. Returns the checksum.
pub fn verify(plan: &Path, flag: Option<&str>) -> Result<String, Error> {
    let (expected, source) = if let Some(hex) = flag {
        let hex = hex.trim().to_ascii_lowercase();
        if !is_sha256(&hex) {
            return Err(portfolio_core::InvalidInput::new(
                "--plan-sha256",
                format!("'{hex}' is not a sha256: expected 64 hex digits"),
            )
            .into());
        }
        (hex, "--plan-sha256".to_owned())
    } else {
        let file = checksum_path(plan);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::ChecksumMissing {
                    plan: plan.to_path_buf(),
                    checksum_file: file,
                });
            }
            Err(err) => return Err(Error::io("cannot read", &file)(err)),
        };
        let first = text.split_whitespace().next().unwrap_or_default();
        let hex = first.to_ascii_lowercase();
        // A damaged checksum file proves nothing about the plan: that is
        // a failed integrity check, not a usage error.
        if !is_sha256(&hex) {
            return Err(Error::ChecksumUnreadable {
                plan: plan.to_path_buf(),
                checksum_file: file,
            });
        }
        (hex, file.display().to_string())
    };
    let actual = sha256_file(plan)?;
    if actual != expected {
        return Err(Error::ChecksumMismatch {
            plan: plan.to_path_buf(),
            expected,
            source_of_expected: source,
            actual,
        });
    }
    Ok(actual)
}

/// 64 hex digits.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Identity and version of a state snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StateVersion {
    /// Grows with every write.
    #[serde(default)]
    pub serial: u64,
    /// Fixed when the state is created; empty when there is none.
    #[serde(default)]
    pub lineage: String,
}

impl StateVersion {
    /// Parses state JSON (`terraform state pull`); empty output means no state.
    pub fn parse(json: &[u8]) -> Result<Option<StateVersion>, serde_json::Error> {
        if json.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let version: StateVersion = serde_json::from_slice(json)?;
        Ok((!version.lineage.is_empty()).then_some(version))
    }
}

/// The prior state recorded in a plan file; `None` when it was planned
/// without any state.
pub fn planned_against(plan: &Path) -> Result<Option<StateVersion>, Error> {
    let unreadable = |reason: String| Error::Output {
        command: format!("plan (file {})", plan.display()),
        reason,
    };
    let file = std::fs::File::open(plan).map_err(Error::io("cannot read", plan))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| unreadable(e.to_string()))?;
    let mut entry = archive
        .by_name("tfstate")
        .map_err(|e| unreadable(format!("no prior state in the plan: {e}")))?;
    let mut json = Vec::new();
    entry
        .read_to_end(&mut json)
        .map_err(|e| unreadable(e.to_string()))?;
    StateVersion::parse(&json).map_err(|e| unreadable(e.to_string()))
}

/// Why a plan cannot be applied to the current state, or `None` if it can.
pub fn staleness(planned: Option<&StateVersion>, current: Option<&StateVersion>) -> Option<String> {
    match (planned, current) {
        (None, None) => None,
        (None, Some(now)) => Some(format!(
            "it was made without a state, but a state exists now (lineage {}, serial {}): it was already applied, or another run applied first",
            now.lineage, now.serial
        )),
        (Some(then), None) => Some(format!(
            "it was made against state lineage {} serial {}, but there is no state now",
            then.lineage, then.serial
        )),
        (Some(then), Some(now)) if then.lineage != now.lineage => Some(format!(
            "it was made against state lineage {}, but the state now has lineage {}",
            then.lineage, now.lineage
        )),
        (Some(then), Some(now)) if then.serial != now.serial => Some(format!(
            "it was made against state serial {}, but the state is at serial {} now",
            then.serial, now.serial
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
