//! Resolves the flags against `portfolio-ci.yaml` and checks them before
//! anything runs: repository, context, Dockerfile, build args, labels and
//! tags. Every problem here is exit 2 and names the flag (or config key).

use std::path::{Path, PathBuf};

use portfolio_core::{Config, InvalidInput};

use crate::cli::{Args, RegistryAuthMode};
use crate::context::BuildInputs;
use crate::error::Error;
use crate::labels;
use crate::tags;

/// The checked inputs of a run.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// ECR repository.
    pub repository: String,
    /// Build context directory.
    pub context: PathBuf,
    /// Dockerfile.
    pub dockerfile: PathBuf,
    /// Build args, target, platform, user labels.
    pub build: BuildInputs,
    /// Extra `--tag` values.
    pub extra_tags: Vec<String>,
    /// Region configured for the environment, if any.
    pub configured_region: Option<String>,
}

/// Resolves and checks `args` with `config`.
pub fn resolve(args: &Args, config: &Config) -> Result<Inputs, Error> {
    let service = match &args.service {
        Some(name) => Some(config.service(name, &args.env)?),
        None => None,
    };
    let repository = args
        .repository
        .clone()
        .or_else(|| service.as_ref().map(|s| s.repository.clone()))
        .ok_or_else(|| {
            InvalidInput::new(
                "--repository",
                "no repository: pass --repository NAME or --service NAME (from portfolio-ci.yaml)",
            )
        })?;
    check_repository(&repository)?;
    let context = args
        .context
        .clone()
        .or_else(|| service.as_ref().and_then(|s| s.context.clone()))
        .unwrap_or_else(|| PathBuf::from("."));
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
    let dockerfile = args
        .file
        .clone()
        .or_else(|| service.as_ref().and_then(|s| s.dockerfile.clone()))
        .unwrap_or_else(|| context.join("Dockerfile"));
    if !dockerfile.is_file() {
        return Err(InvalidInput::new(
            "--file",
            format!(
                "{} does not exist: expected a Dockerfile",
                dockerfile.display()
            ),
        )
        .into());
    }
    for tag in &args.tags {
        if !tags::is_valid(tag) {
            return Err(InvalidInput::new(
                "--tag",
                format!("'{tag}' is not a valid tag: expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}"),
            )
            .into());
        }
    }
    if args.insecure_registry {
        match &args.registry {
            Some(host) if is_loopback(host) => {}
            Some(host) => {
                return Err(InvalidInput::new(
                    "--insecure-registry",
                    format!(
                        "plain HTTP is only allowed to a registry on loopback (localhost, 127.0.0.0/8, [::1]), not {host}"
                    ),
                )
                .into());
            }
            None => {
                return Err(InvalidInput::new(
                    "--insecure-registry",
                    "needs --registry naming a registry on loopback; ECR is always HTTPS",
                )
                .into());
            }
        }
    }
    if args.fail_on_severity.is_some() && args.registry_auth != RegistryAuthMode::Ecr {
        return Err(InvalidInput::new(
            "--fail-on-severity",
            "the scan gate reads ECR scan results: it needs --registry-auth ecr",
        )
        .into());
    }
    Ok(Inputs {
        repository,
        context: absolute(&context),
        dockerfile: absolute(&dockerfile),
        build: BuildInputs {
            build_args: build_args(&args.build_args, |key| std::env::var(key).ok())?,
            target: args.target.clone(),
            platform: args.platform.clone(),
            labels: labels::parse_pairs("--label", &args.labels)?,
        },
        extra_tags: args.tags.clone(),
        configured_region: config.region(&args.env),
    })
}

/// True when `host` (`HOST[:PORT]`) is a loopback address: `localhost`,
/// an address in 127.0.0.0/8, or `[::1]`.
pub fn is_loopback(host: &str) -> bool {
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

/// ECR repository names: lowercase letters, digits, `._-/`, 2 to 256 long.
fn check_repository(name: &str) -> Result<(), InvalidInput> {
    let valid = (2..=256).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(InvalidInput::new(
            "--repository",
            format!(
                "'{name}' is not a repository name: expected lowercase letters, digits and ._-/"
            ),
        ))
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_take_values_inline_or_from_the_environment() {
        let lookup = |key: &str| (key == "FROM_ENV").then(|| "e".to_owned());
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
        assert!(check_repository("portfolio-dev-backend").is_ok());
        assert!(check_repository("team/app").is_ok());
        assert!(check_repository("Upper").is_err());
        assert!(check_repository("-x").is_err());
        assert!(check_repository("a").is_err());
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
