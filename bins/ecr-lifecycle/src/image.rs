//! The image snapshot the evaluator works on: one [`Image`] per digest,
//! read from `aws ecr describe-images` JSON (offline) or built from the SDK's
//! `ImageDetail` (online).
//!
//! Times are milliseconds since the Unix epoch. The AWS CLI prints them as
//! ISO 8601 strings by default and as epoch seconds with
//! `cli_timestamp_format = none`; both are read.

use std::path::Path;

use chrono::DateTime;
use portfolio_core::InvalidInput;
use portfolio_core::output::without_position;
use serde::{Deserialize, Deserializer};

use crate::policy::StorageClass;

/// One image of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// `sha256:...`.
    #[serde(rename = "imageDigest")]
    pub digest: String,
    /// Its tags (none for an untagged image).
    #[serde(rename = "imageTags", default)]
    pub tags: Vec<String>,
    /// When it was pushed (ms since the epoch).
    #[serde(rename = "imagePushedAt", deserialize_with = "timestamp")]
    pub pushed_at: i64,
    /// Size in bytes, when known.
    #[serde(rename = "imageSizeInBytes", default)]
    pub size: Option<i64>,
    /// The manifest's media type.
    #[serde(rename = "imageManifestMediaType", default)]
    pub media_type: Option<String>,
    /// The digest of the image this one refers to (signature, SBOM).
    #[serde(rename = "subjectManifestDigest", default)]
    pub subject: Option<String>,
    /// Last recorded pull (ms).
    #[serde(
        rename = "lastRecordedPullTime",
        default,
        deserialize_with = "optional_timestamp"
    )]
    pub last_pulled: Option<i64>,
    /// `ACTIVE`, `ARCHIVED` or `ACTIVATING`, as a storage class.
    #[serde(rename = "imageStatus", default, deserialize_with = "status")]
    pub storage_class: StorageClass,
    /// When it was archived (ms).
    #[serde(
        rename = "lastArchivedAt",
        default,
        deserialize_with = "optional_timestamp"
    )]
    pub archived_at: Option<i64>,
    /// When it was restored from the archive (ms).
    #[serde(
        rename = "lastActivatedAt",
        default,
        deserialize_with = "optional_timestamp"
    )]
    pub activated_at: Option<i64>,
}

impl Image {
    /// A standard image with `tags` pushed at `pushed_at` (ms).
    pub fn new(digest: impl Into<String>, tags: Vec<String>, pushed_at: i64) -> Image {
        Image {
            digest: digest.into(),
            tags,
            pushed_at,
            size: None,
            media_type: None,
            subject: None,
            last_pulled: None,
            storage_class: StorageClass::Standard,
            archived_at: None,
            activated_at: None,
        }
    }

    /// True for an image index (manifest list).
    pub fn is_index(&self) -> bool {
        self.media_type
            .as_deref()
            .is_some_and(portfolio_core::oci::is_index)
    }

    /// The time that ranks it for `imageCountMoreThan`: the restore time if
    /// restored, else the push time. (`sinceImagePushed` ages it by its
    /// push time alone, as the spec says.)
    pub fn ranking_time(&self) -> i64 {
        self.activated_at.unwrap_or(self.pushed_at)
    }

    /// The reference time of `sinceImagePulled`: the last pull, else the
    /// push time; a restore after the last pull counts instead.
    pub fn pull_reference_time(&self) -> i64 {
        let pulled = self.last_pulled.unwrap_or(self.pushed_at);
        self.activated_at
            .map_or(pulled, |restored| restored.max(pulled))
    }
}

/// `aws ecr describe-images` output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeImagesOutput {
    image_details: Vec<Image>,
}

/// Reads the JSON that `aws ecr describe-images` prints. A file that ends
/// before its JSON does (a cut-off download or redirect) is reported as
/// truncated, at its last line; other errors name the field and its line.
pub fn read_snapshot(path: &Path) -> Result<Vec<Image>, InvalidInput> {
    let text = std::fs::read(path).map_err(|err| {
        InvalidInput::in_file(path, "imageDetails", format!("cannot read: {err}"))
    })?;
    let mut json = serde_json::Deserializer::from_slice(&text);
    let typed = serde_path_to_error::deserialize::<_, DescribeImagesOutput>(&mut json);
    let err = match typed {
        Ok(output) => return Ok(output.image_details),
        Err(err) => err,
    };
    // The syntax decides first: a truncated file must not read as a wrong
    // type (an untagged timestamp buffers its value and loses the cause).
    if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(&text) {
        let reason = if syntax.is_eof() {
            "the file is truncated: it ends before the JSON document is complete (is it the whole `aws ecr describe-images` output?)".to_owned()
        } else {
            format!("not valid JSON: {}", without_position(syntax.to_string()))
        };
        // Where it stops: `imageDetails[2]`, not `imageDetails[2].?`.
        let path_text = err.path().to_string();
        let field = match path_text.trim_end_matches(".?") {
            "" | "." | "?" => "imageDetails",
            field => field,
        };
        let error = InvalidInput::in_file(path, field, reason);
        return Err(error.at_line(syntax.line().max(1)));
    }
    let error = InvalidInput::in_file(
        path,
        err.path().to_string(),
        without_position(err.inner().to_string()),
    );
    Err(match err.inner().line() {
        0 => error,
        line => error.at_line(line),
    })
}

/// Parses an RFC 3339 time to ms since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Formats ms since the epoch as RFC 3339 (UTC, seconds).
pub fn format_time(millis: i64) -> String {
    DateTime::from_timestamp_millis(millis).map_or_else(
        || millis.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawTime {
    Seconds(f64),
    Text(String),
}

fn to_millis(raw: RawTime) -> Result<i64, String> {
    match raw {
        // Whole milliseconds; the float comes from the CLI's epoch format.
        #[allow(clippy::cast_possible_truncation)]
        RawTime::Seconds(seconds) => Ok((seconds * 1000.0).round() as i64),
        RawTime::Text(text) => {
            parse_time(&text).ok_or_else(|| format!("'{text}' is not an RFC 3339 time"))
        }
    }
}

fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    to_millis(RawTime::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

fn optional_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Option::<RawTime>::deserialize(deserializer)? {
        Some(raw) => to_millis(raw).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

fn status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<StorageClass, D::Error> {
    Ok(
        match Option::<String>::deserialize(deserializer)?.as_deref() {
            Some("ARCHIVED") => StorageClass::Archive,
            _ => StorageClass::Standard,
        },
    )
}
