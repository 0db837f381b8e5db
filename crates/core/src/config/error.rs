//! Errors in the configuration file: each names the file, the key and why.

use std::path::{Path, PathBuf};

use crate::exit::{Failure, FileLocation, USAGE};

/// The configuration could not be read or is invalid. Always exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid YAML or does not have the expected shape.
    #[error("{}{}: {key}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Dotted path of the offending key (`.` for the document).
        key: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What the parser expected.
        message: String,
    },
    /// A value parsed but is not acceptable.
    #[error("{}: {key}: {reason}", path.as_deref().map_or("built-in configuration".into(), |p| p.display().to_string()))]
    Invalid {
        /// The file, if the value came from one.
        path: Option<PathBuf>,
        /// Dotted path of the key.
        key: String,
        /// What is expected instead.
        reason: String,
    },
    /// An environment that the configuration does not define.
    #[error("unknown environment '{name}' (configured: {})", known.join(", "))]
    UnknownEnvironment {
        /// The name asked for.
        name: String,
        /// The environments that exist.
        known: Vec<String>,
    },
    /// A service that the configuration does not define.
    #[error("unknown service '{name}' (configured: {})", known.join(", "))]
    UnknownService {
        /// The name asked for.
        name: String,
        /// The services that exist.
        known: Vec<String>,
    },
}

impl ConfigError {
    pub(super) fn parse(
        path: &Path,
        err: serde_path_to_error::Error<serde_yaml_ng::Error>,
    ) -> ConfigError {
        let path_key = err.path().to_string();
        let inner = err.into_inner();
        let line = inner.location().map(|l| l.line());
        let message = crate::output::without_position(inner.to_string());
        // serde_yaml_ng starts its message with the path of the mapping it
        // was in (`services.backend: unknown field ...`): name the key once.
        let (key, message) = match message.split_once(": ") {
            Some((prefix, rest)) if path_key.starts_with(prefix) && !prefix.contains(' ') => {
                (prefix.to_owned(), rest.to_owned())
            }
            _ => (path_key, message),
        };
        ConfigError::Parse {
            path: path.to_path_buf(),
            key,
            line,
            message,
        }
    }
}

impl Failure for ConfigError {
    fn exit_code(&self) -> u8 {
        USAGE
    }

    fn hint(&self) -> Option<String> {
        match self {
            ConfigError::UnknownEnvironment { .. } | ConfigError::UnknownService { .. } => {
                Some("add it to portfolio-ci.yaml or pick a configured one".into())
            }
            _ => None,
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            ConfigError::Read { path, .. } => FileLocation::new(path, None),
            ConfigError::Parse { path, line, .. } => FileLocation::new(path, *line),
            ConfigError::Invalid { path, .. } => {
                path.as_ref().and_then(|p| FileLocation::new(p, None))
            }
            ConfigError::UnknownEnvironment { .. } | ConfigError::UnknownService { .. } => None,
        }
    }
}
