//! Why a task definition could not be read, rendered or validated.
//!
//! Every refusal caused by the input (a bad file, flag, template or
//! rendered definition) is exit 2 and names the source, the container and
//! the field; a failed AWS call is exit 1. A service or task definition
//! that does not exist is bad input too (exit 2); a tool that documents its
//! own code for it asks [`Error::is_not_found`].

use std::path::PathBuf;

use portfolio_core::exit::{FAILED, USAGE};
use portfolio_core::{AwsError, Failure, FileLocation, InvalidInput};

use crate::foreign::Foreign;

/// Why a task definition was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value in the input or the rendered definition is not acceptable.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),

    /// The input is not JSON or YAML.
    #[error("{origin}{}: cannot parse {format}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file (or `-` for stdin).
        origin: String,
        /// `JSON` or `YAML`.
        format: &'static str,
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// What the parser expected.
        message: String,
    },

    /// An edit names a container that the definition does not have.
    #[error("{origin}: {flag}: unknown container '{name}' (containers: {})", known.join(", "))]
    UnknownContainer {
        /// The definition's source.
        origin: String,
        /// The flag that named it (`--image`).
        flag: String,
        /// The name given.
        name: String,
        /// The containers that exist.
        known: Vec<String>,
    },

    /// An edit without a container name while the definition has several.
    #[error("{origin}: {flag}: the definition has several containers ({}); name one as {form}", known.join(", "))]
    AmbiguousContainer {
        /// The definition's source.
        origin: String,
        /// The flag.
        flag: String,
        /// How to name a container in that flag (`CONTAINER=URI`).
        form: &'static str,
        /// The containers that exist.
        known: Vec<String>,
    },

    /// `${NAME}` placeholders without a value.
    #[error("{origin}: unresolved placeholder{} {}", if placeholders.len() > 1 { "s" } else { "" },
        placeholders.iter().map(|(name, field)| format!("${{{name}}} in {field}")).collect::<Vec<_>>().join(", "))]
    Unresolved {
        /// The template.
        origin: String,
        /// Each placeholder and the field it is in.
        placeholders: Vec<(String, String)>,
    },

    /// Placeholders of another tool (or unfilled `${NAME}`) where they are
    /// refused: by `--strict`, or in a definition about to be registered.
    #[error("{origin}: {} left for another step: {}{}", if found.len() > 1 { "placeholders" } else { "a placeholder" },
        found.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        if *registering { " (a definition is registered as it is: ECS would run the placeholder text)" } else { "" })]
    Placeholders {
        /// The definition's source.
        origin: String,
        /// Each placeholder with its field.
        found: Vec<Foreign>,
        /// True when the definition was about to be registered.
        registering: bool,
    },

    /// An input file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// An ECS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),

    /// The service or task definition does not exist.
    #[error("{0}")]
    NotFound(String),
}

impl Error {
    /// Bad `field` of the definition read from `source`.
    pub fn invalid(source: &str, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid(InvalidInput::in_file(source, field, reason))
    }

    /// True when the service, cluster or task definition does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }
}

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Aws(_) => FAILED,
            _ => USAGE,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Unresolved { placeholders, .. } => placeholders
                .first()
                .map(|(name, _)| format!("give each a value with --var, e.g. --var {name}=...")),
            Error::Placeholders { registering: true, .. } => Some(
                "fill them before this step (render-taskdef --var, or the step they are meant for)".into(),
            ),
            Error::Placeholders { .. } => Some(
                "fill them before this step (a template's ${NAME} with --var NAME=...), or render without --strict (each is then a warning)".into(),
            ),
            Error::Aws(err) => err.hint(),
            Error::AmbiguousContainer { .. } | Error::UnknownContainer { .. } => Some(
                "the container is the only one, the service's container in portfolio-ci.yaml, or the one named in the flag".into(),
            ),
            _ => None,
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Invalid(err) => err.location(),
            // An origin is a file, `-` or a live source (`service ...`).
            Error::Parse { origin, line, .. } => {
                FileLocation::new(origin, *line).filter(|at| at.file.is_file())
            }
            Error::Unresolved { origin, .. }
            | Error::Placeholders { origin, .. }
            | Error::UnknownContainer { origin, .. }
            | Error::AmbiguousContainer { origin, .. } => {
                FileLocation::new(origin, None).filter(|at| at.file.is_file())
            }
            Error::Read { path, .. } => FileLocation::new(path, None),
            Error::Aws(_) | Error::NotFound(_) => None,
        }
    }
}
