//! The edits a render applies, and the flag syntax that spells them
//! (`[CONTAINER=]URI`, `[CONTAINER:]NAME=VALUE`, ...).
//!
//! Parsing here is pure: files named by `--env-file` are read by
//! [`Edits::add_env_file`], and containers are resolved against the
//! definition only when rendering.

use std::path::Path;

use portfolio_core::InvalidInput;

use crate::error::Error;

/// A value for one container: `container` is `None` when the flag did not
/// name one (then the only container, or the service's container, is meant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<T> {
    /// The container named in the flag.
    pub container: Option<String>,
    /// The value.
    pub value: T,
}

impl<T> Target<T> {
    /// A value for the default container.
    pub fn default_container(value: T) -> Self {
        Target {
            container: None,
            value,
        }
    }

    /// A value for container `name`.
    pub fn container(name: impl Into<String>, value: T) -> Self {
        Target {
            container: Some(name.into()),
            value,
        }
    }
}

/// `NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The name (environment variable, label key, log option, tag key).
    pub name: String,
    /// The value.
    pub value: String,
}

impl Pair {
    /// A pair.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Pair {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Everything a render changes. Each list applies in order, so a later
/// value for the same name wins; see [`crate::render`] for the order of kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    /// `--container`: the containers an edit without a container name
    /// applies to (each of them); empty: the only or the service's one.
    pub containers: Vec<String>,
    /// `--image`: the container's `image`.
    pub images: Vec<Target<String>>,
    /// `--env` and `--env-file`: set in `environment` (replacing a secret of the same name).
    pub env: Vec<Target<Pair>>,
    /// `--unset-env`: removed from `environment` and `secrets`.
    pub unset_env: Vec<Target<String>>,
    /// `--secret`: set in `secrets` as `valueFrom` (replacing an env var of the same name).
    pub secrets: Vec<Target<Pair>>,
    /// `--docker-label`: set in `dockerLabels`.
    pub docker_labels: Vec<Target<Pair>>,
    /// `--command`: the container's `command`.
    pub commands: Vec<Target<Vec<String>>>,
    /// `--log-option`: set in `logConfiguration.options`.
    pub log_options: Vec<Target<Pair>>,
    /// `--log-driver`: the `logConfiguration.logDriver`.
    pub log_drivers: Vec<Target<String>>,
    /// `--environment-file`: S3 object ARNs that replace the container's
    /// `environmentFiles` (`{"value": ARN, "type": "s3"}`), read by ECS
    /// when the task starts.
    pub environment_files: Vec<Target<String>>,
    /// `--cpu`: the task's `cpu`.
    pub cpu: Option<String>,
    /// `--memory`: the task's `memory`.
    pub memory: Option<String>,
    /// `--task-role-arn`.
    pub task_role_arn: Option<String>,
    /// `--execution-role-arn`.
    pub execution_role_arn: Option<String>,
    /// `--tag`: set in `tags`.
    pub tags: Vec<Pair>,
}

impl Edits {
    /// No edits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the image of the default container (builder style).
    pub fn image(mut self, uri: impl Into<String>) -> Self {
        self.images.push(Target::default_container(uri.into()));
        self
    }

    /// Sets the image of container `container` (builder style).
    pub fn container_image(mut self, container: &str, uri: impl Into<String>) -> Self {
        self.images.push(Target::container(container, uri.into()));
        self
    }

    /// Reads a dotenv file and appends its variables to [`Self::env`] for
    /// `container`. Errors name the file and line.
    ///
    /// dotenv substitutes `$NAME` and `${NAME}` from this process's
    /// environment, which in CI holds tokens that must never land in a task
    /// definition: a line that would substitute is refused, and a value
    /// written in single quotes stays literal.
    pub fn add_env_file(&mut self, container: Option<&str>, path: &Path) -> Result<(), Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if let Some((number, line)) = substituting_line(&text) {
            return Err(Error::Invalid(
                InvalidInput::in_file(
                    path,
                    "--env-file",
                format!(
                    "'{line}' has a '$', which dotenv substitutes from the \
                     environment of this run (where CI keeps its tokens); write the value in single \
                     quotes (NAME='...') to keep it literal, or pass it with --env NAME=VALUE"
                    ),
                )
                .at_line(number),
            ));
        }
        let entries = dotenvy::from_read_iter(text.as_bytes());
        for entry in entries {
            let (name, value) = entry.map_err(|err| env_file_error(path, err))?;
            self.env.push(Target {
                container: container.map(str::to_owned),
                value: Pair { name, value },
            });
        }
        Ok(())
    }
}

/// The first line (1-based number and text) of a dotenv file whose value
/// dotenv would run through substitution: any `$` outside a single-quoted
/// value and outside a comment (dotenvy even drops a lone trailing `$`).
fn substituting_line(text: &str) -> Option<(usize, &str)> {
    text.lines().enumerate().find_map(|(index, line)| {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            return None;
        }
        let value = trimmed
            .split_once('=')
            .map_or(trimmed, |(_, value)| value.trim_start());
        let literal = value.starts_with('\'')
            && value.trim_end().ends_with('\'')
            && value.trim_end().len() > 1;
        (value.contains('$') && !literal).then_some((index + 1, line.trim()))
    })
}

fn env_file_error(path: &Path, err: dotenvy::Error) -> Error {
    match err {
        dotenvy::Error::Io(source) => Error::Read {
            path: path.to_path_buf(),
            source,
        },
        dotenvy::Error::LineParse(line, index) => Error::invalid(
            &path.display().to_string(),
            "--env-file",
            format!("cannot parse line '{line}' at character {index}: expected NAME=VALUE"),
        ),
        other => Error::invalid(&path.display().to_string(), "--env-file", other.to_string()),
    }
}

/// True for a valid ECS container name: up to 255 letters, digits, `-`, `_`.
pub fn is_container_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits an optional `CONTAINER:` prefix: only a valid container name
/// before the first `:` counts as one.
fn split_container(text: &str) -> (Option<String>, &str) {
    match text.split_once(':') {
        Some((container, rest)) if is_container_name(container) => {
            (Some(container.to_owned()), rest)
        }
        _ => (None, text),
    }
}

/// `NAME=VALUE` with a non-empty name.
pub fn parse_pair(text: &str) -> Result<Pair, String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok(Pair::new(name, value)),
        _ => Err(format!("expected NAME=VALUE, got '{text}'")),
    }
}

/// `[CONTAINER:]NAME=VALUE`.
pub fn parse_container_pair(text: &str) -> Result<Target<Pair>, String> {
    let (name_part, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected [CONTAINER:]NAME=VALUE, got '{text}'"))?;
    let (container, name) = split_container(name_part);
    if name.trim().is_empty() {
        return Err(format!(
            "expected [CONTAINER:]NAME=VALUE, got '{text}' (empty name)"
        ));
    }
    Ok(Target {
        container,
        value: Pair::new(name, value),
    })
}

/// `[CONTAINER:]NAME`.
pub fn parse_container_name(text: &str) -> Result<Target<String>, String> {
    let (container, name) = split_container(text);
    if name.trim().is_empty() {
        return Err(format!("expected [CONTAINER:]NAME, got '{text}'"));
    }
    Ok(Target {
        container,
        value: name.to_owned(),
    })
}

/// `[CONTAINER=]URI` (an image reference never contains `=`).
pub fn parse_image(text: &str) -> Result<Target<String>, String> {
    match text.split_once('=') {
        Some((container, uri)) if is_container_name(container) && !uri.is_empty() => {
            Ok(Target::container(container, uri.to_owned()))
        }
        Some(_) => Err(format!(
            "expected [CONTAINER=]URI with a container name of letters, digits, '-' and '_', got '{text}'"
        )),
        None if text.is_empty() => Err("expected [CONTAINER=]URI, got an empty value".into()),
        None => Ok(Target::default_container(text.to_owned())),
    }
}

/// The log drivers ECS accepts in `logConfiguration.logDriver`.
pub const LOG_DRIVERS: [&str; 9] = [
    "awslogs",
    "awsfirelens",
    "fluentd",
    "gelf",
    "journald",
    "json-file",
    "logentries",
    "splunk",
    "syslog",
];

/// `[CONTAINER:]DRIVER`, one of [`LOG_DRIVERS`].
pub fn parse_log_driver(text: &str) -> Result<Target<String>, String> {
    let (container, driver) = split_container(text);
    if LOG_DRIVERS.contains(&driver) {
        Ok(Target {
            container,
            value: driver.to_owned(),
        })
    } else {
        Err(format!(
            "expected [CONTAINER:]DRIVER with DRIVER one of {}, got '{text}'",
            LOG_DRIVERS.join(", ")
        ))
    }
}

/// `[CONTAINER:]ARN` of an S3 object (`arn:aws:s3:::bucket/app.env`, any
/// partition). The ARN's own colons do not name a container.
pub fn parse_s3_environment_file(text: &str) -> Result<Target<String>, String> {
    let (container, arn) = match text.split_once(':') {
        Some((container, rest)) if container != "arn" && is_container_name(container) => {
            (Some(container.to_owned()), rest)
        }
        _ => (None, text),
    };
    let object = arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":s3:::"))
        .filter(|(partition, _)| partition.starts_with("aws"))
        .map(|(_, object)| object);
    match object.and_then(|object| object.split_once('/')) {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Target {
            container,
            value: arn.to_owned(),
        }),
        _ => Err(format!(
            "expected [CONTAINER:]ARN of an S3 object (arn:aws:s3:::BUCKET/KEY), got '{text}'"
        )),
    }
}

/// A container name of `--container` (clap splits the comma list).
pub fn parse_container(text: &str) -> Result<String, String> {
    let name = text.trim();
    if is_container_name(name) {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "expected container names separated by commas (letters, digits, '-' and '_'), got '{text}'"
        ))
    }
}

/// `[CONTAINER:]FILE`.
pub fn parse_env_file(text: &str) -> Result<Target<String>, String> {
    let (container, path) = split_container(text);
    if path.is_empty() {
        return Err(format!("expected [CONTAINER:]FILE, got '{text}'"));
    }
    Ok(Target {
        container,
        value: path.to_owned(),
    })
}

/// `[CONTAINER:]COMMAND`: a JSON array of strings (`["python", "-m",
/// "app"]`) or words split like a POSIX shell would (`python -m app`).
pub fn parse_command(text: &str) -> Result<Target<Vec<String>>, String> {
    let (container, command) = match text.trim_start().starts_with('[') {
        true => (None, text),
        false => split_container(text),
    };
    let words = if command.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<String>>(command)
            .map_err(|err| format!("expected a JSON array of strings: {err}"))?
    } else {
        shlex::split(command).ok_or_else(|| format!("unbalanced quotes in '{command}'"))?
    };
    if words.is_empty() {
        return Err(format!(
            "expected [CONTAINER:]COMMAND, got '{text}' (empty command)"
        ));
    }
    Ok(Target {
        container,
        value: words,
    })
}

#[cfg(test)]
mod tests;
