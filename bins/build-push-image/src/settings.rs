//! Resolution: the flags, the environment and `portfolio-ci.yaml` become
//! one [`Settings`] value (flags > environment > portfolio-ci.yaml >
//! defaults) before anything runs. Every local input is read and checked
//! here (repository, context, Dockerfile, build args, labels, tags, the
//! registry and its credentials), so a problem is exit 2, names the flag
//! (or config key) and nothing was contacted. The run code sees only
//! [`Settings`], never the clap types.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use portfolio_core::config::Ecr as EcrSettings;
use portfolio_core::{AwsSettings, Config, InvalidInput};

use crate::build_options::{self, BuildOptions};
use crate::builder::BuilderChoice;
use crate::cli::{Cli, RegistryAuthMode};
use crate::context::BuildInputs;
use crate::error::Error;
use crate::labels;
use crate::promote::SourceImage;
use crate::reference::{self, TagRef};
use crate::scan::Severity;

/// Environment variables with the user name and password of
/// `--registry-auth basic`.
pub const USERNAME_VAR: &str = "PORTFOLIO_CI_REGISTRY_USERNAME";
/// See [`USERNAME_VAR`].
pub const PASSWORD_VAR: &str = "PORTFOLIO_CI_REGISTRY_PASSWORD";

/// Everything a run needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// ECR repository.
    pub repository: String,
    /// Build context directory (absolute).
    pub context: PathBuf,
    /// Dockerfile (absolute).
    pub dockerfile: PathBuf,
    /// Build args, target, platform, user labels.
    pub build: BuildInputs,
    /// Cache, secrets, SSH, build contexts, annotations, outputs, ...
    pub options: BuildOptions,
    /// `--json`: the result object on stdout.
    pub json: bool,
    /// What the run does.
    pub action: Action,
}

/// What the run does once the context is hashed.
#[derive(Debug, Clone)]
pub enum Action {
    /// `--print-context-tag`: print the tag and stop; nothing is contacted.
    PrintContextTag,
    /// Build (or reuse) and push.
    Push(Box<Push>),
    /// `--promote-from`: copy an image that is already in a registry into
    /// the repository (no build); `target` says where and how to log in.
    Promote {
        /// The image to promote.
        source: SourceImage,
        /// The repository's registry, login, tags and scan gate.
        target: Box<Push>,
    },
}

/// The settings of a build and push.
#[derive(Debug, Clone)]
pub struct Push {
    /// Extra `--tag` values (bare tags, or references of this repository).
    pub extra_tags: Vec<TagRef>,
    /// Push (false: `--no-push`, build only, nothing contacted).
    pub push: bool,
    /// `--latest`.
    pub latest: bool,
    /// `--registry`: a registry host instead of the account's ECR.
    pub registry: Option<String>,
    /// `--registry-id`: another account's ECR registry.
    pub registry_id: Option<String>,
    /// Plain HTTP to `registry` (loopback only).
    pub insecure_registry: bool,
    /// Where the registry credentials come from.
    pub auth: RegistryAuth,
    /// Create the ECR repository when missing.
    pub create_repository: bool,
    /// How a created repository is set up (portfolio-ci.yaml `ecr`).
    pub ecr: EcrSettings,
    /// Which builder.
    pub builder: BuilderChoice,
    /// Provenance attestations (docker buildx only).
    pub provenance: bool,
    /// Build even when the context tag is already there.
    pub force_build: bool,
    /// The scan gate, when asked for.
    pub scan: Option<ScanGate>,
    /// The AWS side: region, attempts, timeouts.
    pub aws: AwsSettings,
}

/// Registry credentials, by source.
#[derive(Clone, PartialEq, Eq)]
pub enum RegistryAuth {
    /// ECR GetAuthorizationToken.
    Ecr,
    /// A user name and password from the environment.
    Basic {
        /// User name.
        username: String,
        /// Password (masked as soon as the run starts).
        password: String,
    },
    /// Anonymous.
    Anonymous,
}

impl fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryAuth::Ecr => f.write_str("Ecr"),
            RegistryAuth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            RegistryAuth::Anonymous => f.write_str("Anonymous"),
        }
    }
}

/// `--fail-on-severity` and `--scan-timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanGate {
    /// Findings at or above this severity fail the gate.
    pub threshold: Severity,
    /// How long to wait for the scan.
    pub timeout: Duration,
}

impl Settings {
    /// Resolves `cli` with the environment (`env` looks a variable up) and
    /// `config`, and checks every local input.
    pub fn resolve(
        cli: &Cli,
        env: &dyn Fn(&str) -> Option<String>,
        config: &Config,
    ) -> Result<Settings, Error> {
        let env_name = cli.env.name();
        let service = match &cli.service.service {
            Some(name) => Some(config.service(name, env_name)?),
            None => None,
        };
        let repository = cli
            .repository
            .repository
            .clone()
            .or_else(|| service.as_ref().map(|s| s.repository.clone()))
            .or_else(|| reference::repository_of(&cli.tags))
            .ok_or_else(|| {
                InvalidInput::new(
                    "--repository",
                    "no repository: pass --repository NAME, --service NAME (from portfolio-ci.yaml) \
                     or a full reference registry/repository:tag as --tag",
                )
            })?;
        check_repository(&repository)?;
        // A promotion builds nothing: the context only locates git, and
        // there is no Dockerfile to find.
        let promoting = cli.promote_from.is_some();
        let context = cli
            .context
            .clone()
            .or_else(|| service.as_ref().and_then(|s| s.context.clone()))
            .unwrap_or_else(|| PathBuf::from("."));
        let context = if promoting && !context.is_dir() {
            PathBuf::from(".")
        } else {
            context
        };
        if !context.is_dir() {
            return Err(InvalidInput::new(
                "--context",
                format!(
                    "{} is not a directory: expected the build context",
                    context.display()
                ),
            )
            .into());
        }
        let dockerfile = cli
            .file
            .clone()
            .or_else(|| service.as_ref().and_then(|s| s.dockerfile.clone()))
            .unwrap_or_else(|| context.join("Dockerfile"));
        if !promoting && !dockerfile.is_file() {
            return Err(InvalidInput::new(
                "--file",
                format!(
                    "{} does not exist: expected a Dockerfile",
                    dockerfile.display()
                ),
            )
            .into());
        }
        let extra_tags = cli
            .tags
            .iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| reference::parse(t, &repository))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(host) = &cli.registry {
            reference::check_host(&extra_tags, host.trim_end_matches('/'))?;
        }
        check_insecure(cli.insecure_registry, cli.registry.as_deref())?;
        if cli.no_push && cli.fail_on_severity.is_some() {
            return Err(InvalidInput::new(
                "--fail-on-severity",
                "the scan gate judges the pushed image: it cannot be used with --no-push",
            )
            .into());
        }
        let options = BuildOptions::resolve(
            build_options::Raw {
                cache_from: &cli.cache_from,
                cache_to: &cli.cache_to,
                secret_files: &cli.secret_files,
                secret_envs: &cli.secret_envs,
                ssh: &cli.ssh,
                build_contexts: &cli.build_contexts,
                no_cache: cli.no_cache,
                pull: cli.pull,
                annotations: &cli.annotations,
                outputs: &cli.outputs,
                buildx_builder: cli.buildx_builder.as_deref(),
            },
            env,
        )?;
        if cli.fail_on_severity.is_some() && cli.registry_auth != RegistryAuthMode::Ecr {
            return Err(InvalidInput::new(
                "--fail-on-severity",
                "the scan gate reads ECR scan results: it needs --registry-auth ecr",
            )
            .into());
        }
        let build = BuildInputs {
            build_args: build_args(&cli.build_args, env)?,
            target: cli.target.clone(),
            platform: cli.platform.clone(),
            labels: labels::parse_pairs("--label", &cli.labels)?,
            // Filled in by the run once the named build contexts are hashed.
            extra: Vec::new(),
        };
        if promoting && cli.no_push {
            return Err(InvalidInput::new(
                "--promote-from",
                "a promotion pushes to the repository: it cannot be used with --no-push",
            )
            .into());
        }
        let source = match cli.promote_from.as_deref() {
            Some(value) => Some(SourceImage::parse(value, cli.insecure_registry)?),
            None => None,
        };
        let action = if cli.print_context_tag {
            Action::PrintContextTag
        } else {
            let push = Box::new(Push {
                extra_tags,
                push: !cli.no_push,
                latest: cli.latest,
                registry: cli
                    .registry
                    .as_deref()
                    .map(|host| host.trim_end_matches('/').to_owned()),
                registry_id: registry_id(cli.registry_id.as_deref())?,
                insecure_registry: cli.insecure_registry,
                auth: if cli.no_push {
                    RegistryAuth::Anonymous
                } else {
                    registry_auth(cli.registry_auth, cli.registry.is_some(), env)?
                },
                create_repository: cli.create_repository,
                ecr: config.ecr.clone(),
                builder: cli.builder,
                provenance: cli.provenance,
                force_build: cli.force_build || options.forces_build(),
                scan: cli.fail_on_severity.map(|threshold| ScanGate {
                    threshold,
                    timeout: cli.scan_timeout,
                }),
                aws: cli.aws.settings(config.region(env_name)),
            });
            match source {
                Some(source) => Action::Promote {
                    source,
                    target: push,
                },
                None => Action::Push(push),
            }
        };
        Ok(Settings {
            repository,
            context: absolute(&context),
            dockerfile: absolute(&dockerfile),
            build,
            options,
            json: cli.global.json,
            action,
        })
    }
}

/// `--registry-id`: an AWS account id, 12 digits.
fn registry_id(value: Option<&str>) -> Result<Option<String>, InvalidInput> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some(id.to_owned()))
        }
        Some(id) => Err(InvalidInput::new(
            "--registry-id",
            format!("'{id}' is not an AWS account id: expected 12 digits"),
        )),
    }
}

/// `--insecure-registry` only with a `--registry` on loopback.
fn check_insecure(insecure: bool, registry: Option<&str>) -> Result<(), InvalidInput> {
    if !insecure {
        return Ok(());
    }
    match registry {
        Some(host) if is_loopback(host) => Ok(()),
        Some(host) => Err(InvalidInput::new(
            "--insecure-registry",
            format!(
                "plain HTTP is only allowed to a registry on loopback (localhost, 127.0.0.0/8, [::1]), not {host}"
            ),
        )),
        None => Err(InvalidInput::new(
            "--insecure-registry",
            "needs --registry naming a registry on loopback; ECR is always HTTPS",
        )),
    }
}

/// The credentials `--registry-auth` asks for; without AWS there is no
/// ECR registry to default to, so `basic` and `none` need `--registry`.
fn registry_auth(
    mode: RegistryAuthMode,
    has_registry: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RegistryAuth, InvalidInput> {
    if mode != RegistryAuthMode::Ecr && !has_registry {
        return Err(InvalidInput::new(
            "--registry",
            "required when --registry-auth is not ecr",
        ));
    }
    match mode {
        RegistryAuthMode::Ecr => Ok(RegistryAuth::Ecr),
        RegistryAuthMode::None => Ok(RegistryAuth::Anonymous),
        RegistryAuthMode::Basic => {
            let get = |name: &str| env(name).filter(|v| !v.is_empty());
            match (get(USERNAME_VAR), get(PASSWORD_VAR)) {
                (Some(username), Some(password)) => Ok(RegistryAuth::Basic { username, password }),
                _ => Err(InvalidInput::new(
                    "--registry-auth basic",
                    format!("{USERNAME_VAR} and {PASSWORD_VAR} must both be set"),
                )),
            }
        }
    }
}

/// True when `host` (`HOST[:PORT]`) is a loopback address: `localhost`,
/// an address in 127.0.0.0/8, or `[::1]`.
pub(crate) fn is_loopback(host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `KEY=VALUE`, or `KEY` with the value from `lookup` (dropped when unset,
/// as docker does).
pub fn build_args(
    values: &[String],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, InvalidInput> {
    let mut pairs = Vec::new();
    for value in values {
        let (key, val) = match value.split_once('=') {
            Some((key, val)) => (key.trim(), Some(val.to_owned())),
            None => (value.trim(), lookup(value.trim())),
        };
        if key.is_empty() {
            return Err(InvalidInput::new(
                "--build-arg",
                format!("'{value}' has no name: expected KEY=VALUE or KEY"),
            ));
        }
        if let Some(val) = val {
            pairs.push((key.to_owned(), val));
        }
    }
    Ok(pairs)
}

/// ECR repository names: 2 to 256 characters matching
/// `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`. A name
/// of the wrong length is told the length rule, any other the character
/// rule, with the first character that breaks it.
fn check_repository(name: &str) -> Result<(), InvalidInput> {
    let length = name.chars().count();
    if !(2..=256).contains(&length) {
        return Err(InvalidInput::new(
            "--repository",
            format!(
                "'{name}' is {length} character{} long: ECR repository names are 2 to 256 characters",
                if length == 1 { "" } else { "s" }
            ),
        ));
    }
    match first_bad_character(name) {
        None => Ok(()),
        Some((position, c)) => Err(InvalidInput::new(
            "--repository",
            format!(
                "'{name}' is not a repository name ('{c}' at position {position}): expected \
                 lowercase letters and digits, with single '.', '_' or '-' between them and \
                 '/' between path components (e.g. portfolio-dev-backend, team/app)"
            ),
        )),
    }
}

/// The 1-based position and character where `name` stops matching ECR's
/// repository pattern, if it does.
fn first_bad_character(name: &str) -> Option<(usize, char)> {
    // After a separator (or at the start) a letter or digit must follow.
    let mut need_alphanumeric = true;
    for (index, c) in name.chars().enumerate() {
        let alphanumeric = c.is_ascii_lowercase() || c.is_ascii_digit();
        if alphanumeric {
            need_alphanumeric = false;
        } else if "._-/".contains(c) && !need_alphanumeric {
            need_alphanumeric = true;
        } else {
            return Some((index + 1, c));
        }
    }
    if need_alphanumeric {
        let last = name.chars().last()?;
        return Some((name.chars().count(), last));
    }
    None
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_take_values_inline_or_from_the_environment() {
        let lookup = &|key: &str| (key == "FROM_ENV").then(|| "e".to_owned());
        let args = build_args(
            &[
                "A=1".into(),
                "FROM_ENV".into(),
                "UNSET".into(),
                "B=x=y".into(),
            ],
            lookup,
        )
        .unwrap();
        assert_eq!(
            args,
            vec![
                ("A".into(), "1".into()),
                ("FROM_ENV".into(), "e".into()),
                ("B".into(), "x=y".into())
            ]
        );
        assert_eq!(
            build_args(&["=1".into()], lookup).unwrap_err().field,
            "--build-arg"
        );
    }

    #[test]
    fn repository_names_follow_ecr_rules() {
        for good in ["portfolio-dev-backend", "team/app", "a.b_c-d/e0", "ab"] {
            assert!(check_repository(good).is_ok(), "{good}");
        }
        for bad in [
            "Upper", "-x", "x-", "a--b", "a//b", "a/", "/a", "a b", "a_.b",
        ] {
            let err = check_repository(bad).unwrap_err();
            assert!(err.reason.contains("lowercase letters"), "{bad}: {err}");
        }
        assert!(check_repository(&"a".repeat(256)).is_ok());
        for bad in ["a".to_owned(), "a".repeat(257)] {
            let err = check_repository(&bad).unwrap_err();
            assert!(err.reason.contains("2 to 256 characters"), "{err}");
        }
        let err = check_repository("Upper").unwrap_err();
        assert!(err.reason.contains("'U' at position 1"), "{err}");
        let err = check_repository("x-").unwrap_err();
        assert!(err.reason.contains("'-' at position 2"), "{err}");
    }

    #[test]
    fn only_loopback_registries_count_as_loopback() {
        for host in [
            "127.0.0.1:5000",
            "127.1.2.3",
            "localhost:5000",
            "LOCALHOST",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "10.0.0.5:5000",
            "registry.example.com",
            "localhost.example.com:5000",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "[::2]:5000",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
