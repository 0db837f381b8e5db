//! The builder inputs of docker/build-push-action beyond the basics:
//! registry cache, secrets, SSH, named build contexts, `--no-cache`,
//! `--pull`, annotations and extra outputs. Parsed and checked here (exit
//! 2 names the flag), matched against what the builder found supports
//! ([`BuildOptions::check`], before anything runs), and turned into its
//! flags ([`BuildOptions::args`]).
//!
//! What each builder supports:
//!
//! | input | buildah / podman | docker buildx | docker (classic) |
//! | --- | --- | --- | --- |
//! | cache-from | registry | every type | registry (images) |
//! | cache-to | registry | every type | no |
//! | secrets, ssh | yes | yes | yes (BuildKit) |
//! | build-contexts | yes | yes | no |
//! | annotations | yes | yes | no |
//! | outputs (local, tar) | yes | yes | no |
//! | buildx builder | no | yes | no |

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use portfolio_core::InvalidInput;

use crate::builder::Kind;
use crate::labels;

/// Environment variable with `ID=VALUE` lines: the action's `secrets`.
pub const SECRETS_VAR: &str = "PORTFOLIO_CI_BUILD_SECRETS";

/// A build secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The id `RUN --mount=type=secret,id=...` names.
    pub id: String,
    /// Where its value is.
    pub source: SecretSource,
}

/// Where a secret's value is.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The value itself (from the environment); written to a private file
    /// for the builder.
    Value(String),
    /// A file of the user's.
    File(PathBuf),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            SecretSource::Value(_) => "<redacted>".to_owned(),
            SecretSource::File(path) => path.display().to_string(),
        };
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("source", &source)
            .finish()
    }
}

/// A `--cache-from` / `--cache-to` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    /// As given (what buildx gets).
    pub spec: String,
    /// The registry reference, for a registry cache.
    pub registry: Option<String>,
}

/// The builder inputs besides file, tags, build args, labels, target and
/// platform.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--cache-from`.
    pub cache_from: Vec<Cache>,
    /// `--cache-to`.
    pub cache_to: Vec<Cache>,
    /// Secrets (values, files).
    pub secrets: Vec<Secret>,
    /// `--ssh` values.
    pub ssh: Vec<String>,
    /// `--build-context NAME=VALUE`; a local directory is absolute.
    pub build_contexts: Vec<(String, String)>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`.
    pub pull: bool,
    /// `--annotation KEY=VALUE`.
    pub annotations: Vec<(String, String)>,
    /// `--output` values (type=local or type=tar).
    pub outputs: Vec<String>,
    /// docker buildx builder instance.
    pub buildx_builder: Option<String>,
}

/// The raw values of the flags, as given.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    /// `--cache-from`.
    pub cache_from: &'a [String],
    /// `--cache-to`.
    pub cache_to: &'a [String],
    /// `--secret-file`.
    pub secret_files: &'a [String],
    /// `--secret-env`.
    pub secret_envs: &'a [String],
    /// `--ssh`.
    pub ssh: &'a [String],
    /// `--build-context`.
    pub build_contexts: &'a [String],
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`.
    pub pull: bool,
    /// `--annotation`.
    pub annotations: &'a [String],
    /// `--output`.
    pub outputs: &'a [String],
    /// `--buildx-builder`.
    pub buildx_builder: Option<&'a str>,
}

impl BuildOptions {
    /// Parses and checks `raw`; `env` looks variables up (secret values).
    pub fn resolve(
        raw: Raw<'_>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BuildOptions, InvalidInput> {
        Ok(BuildOptions {
            cache_from: raw.cache_from.iter().map(|v| cache(v)).collect(),
            cache_to: raw.cache_to.iter().map(|v| cache(v)).collect(),
            secrets: secrets(raw.secret_files, raw.secret_envs, env)?,
            ssh: raw.ssh.iter().map(|s| s.trim().to_owned()).collect(),
            build_contexts: raw
                .build_contexts
                .iter()
                .map(|v| build_context(v))
                .collect::<Result<_, _>>()?,
            no_cache: raw.no_cache,
            pull: raw.pull,
            annotations: labels::parse_pairs("--annotation", raw.annotations)?,
            outputs: raw
                .outputs
                .iter()
                .map(|v| output(v))
                .collect::<Result<_, _>>()?,
            buildx_builder: raw
                .buildx_builder
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_owned),
        })
    }

    /// Whether the run must build even when the context tag exists: an
    /// export needs a build, and `--no-cache` asks for a fresh one.
    pub fn forces_build(&self) -> bool {
        self.no_cache || !self.outputs.is_empty()
    }

    /// What changes the image besides the context: annotations and the
    /// named build contexts (a directory by the digest of its content,
    /// given in `digests` by name).
    pub fn hashed(&self, digests: &[(String, String)]) -> Vec<(String, String)> {
        let mut extra: Vec<(String, String)> = self
            .annotations
            .iter()
            .map(|(k, v)| (format!("annotation:{k}"), v.clone()))
            .collect();
        for (name, value) in &self.build_contexts {
            let value = digests
                .iter()
                .find(|(n, _)| n == name)
                .map_or(value, |(_, digest)| digest);
            extra.push((format!("build-context:{name}"), value.clone()));
        }
        extra
    }

    /// The named build contexts that are local directories.
    pub fn context_dirs(&self) -> Vec<(String, PathBuf)> {
        self.build_contexts
            .iter()
            .filter(|(_, value)| Path::new(value).is_dir())
            .map(|(name, value)| (name.clone(), PathBuf::from(value)))
            .collect()
    }

    /// Fails (exit 2, before anything runs) when `kind` cannot do what was
    /// asked, naming the input and the builder.
    pub fn check(&self, kind: Kind) -> Result<(), InvalidInput> {
        let refuse = |flag: &str, what: &str| {
            Err(InvalidInput::new(
                flag,
                format!(
                    "{what} is not supported by {kind}; use --builder {}",
                    if kind == Kind::DockerClassic {
                        "buildah (or install docker buildx)"
                    } else {
                        "docker with buildx"
                    }
                ),
            ))
        };
        let non_registry = |caches: &[Cache]| {
            caches
                .iter()
                .find(|c| c.registry.is_none())
                .map(|c| c.spec.clone())
        };
        match kind {
            Kind::DockerBuildx => Ok(()),
            Kind::DockerClassic => {
                if let Some(spec) = non_registry(&self.cache_from) {
                    return refuse("--cache-from", &format!("'{spec}' (not a registry cache)"));
                }
                if !self.cache_to.is_empty() {
                    return refuse("--cache-to", "a cache export");
                }
                if !self.build_contexts.is_empty() {
                    return refuse("--build-context", "a named build context");
                }
                if !self.annotations.is_empty() {
                    return refuse("--annotation", "a manifest annotation");
                }
                if !self.outputs.is_empty() {
                    return refuse("--output", "an extra output");
                }
                if self.buildx_builder.is_some() {
                    return refuse("--buildx-builder", "a buildx builder instance");
                }
                Ok(())
            }
            Kind::Podman | Kind::Buildah => {
                if let Some(spec) = non_registry(&self.cache_from) {
                    return refuse("--cache-from", &format!("'{spec}' (not a registry cache)"));
                }
                if let Some(spec) = non_registry(&self.cache_to) {
                    return refuse("--cache-to", &format!("'{spec}' (not a registry cache)"));
                }
                if self.buildx_builder.is_some() {
                    return refuse("--buildx-builder", "a buildx builder instance");
                }
                Ok(())
            }
        }
    }

    /// The build flags for `kind`; `secret_file` gives the private file a
    /// value secret was written to (by id).
    pub fn args(&self, kind: Kind, secret_file: &dyn Fn(&str) -> Option<PathBuf>) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        let mut pair = |flag: &str, value: OsString| {
            args.push(flag.into());
            args.push(value);
        };
        let buildx = kind == Kind::DockerBuildx;
        if let Some(name) = &self.buildx_builder {
            pair("--builder", name.into());
        }
        for (flag, caches) in [
            ("--cache-from", &self.cache_from),
            ("--cache-to", &self.cache_to),
        ] {
            for cache in caches {
                let value = match (&cache.registry, buildx) {
                    (Some(reference), false) => reference.clone(),
                    _ => cache.spec.clone(),
                };
                pair(flag, value.into());
            }
        }
        for secret in &self.secrets {
            let path = match &secret.source {
                SecretSource::File(path) => Some(path.clone()),
                SecretSource::Value(_) => secret_file(&secret.id),
            };
            if let Some(path) = path {
                let mut value = OsString::from(format!("id={},src=", secret.id));
                value.push(path.as_os_str());
                pair("--secret", value);
            }
        }
        for ssh in &self.ssh {
            pair("--ssh", ssh.into());
        }
        for (name, value) in &self.build_contexts {
            pair("--build-context", format!("{name}={value}").into());
        }
        for (key, value) in &self.annotations {
            pair("--annotation", format!("{key}={value}").into());
        }
        for output in &self.outputs {
            pair("--output", output.into());
        }
        let layered = matches!(kind, Kind::Buildah | Kind::Podman)
            && !(self.cache_from.is_empty() && self.cache_to.is_empty());
        if layered {
            args.push("--layers".into());
        }
        if self.no_cache {
            args.push("--no-cache".into());
        }
        if self.pull {
            args.push(if buildx || kind == Kind::DockerClassic {
                "--pull".into()
            } else {
                "--pull=always".into()
            });
        }
        args
    }

    /// The classic docker builder needs BuildKit for secrets and SSH.
    pub fn needs_buildkit(&self) -> bool {
        !self.secrets.is_empty() || !self.ssh.is_empty()
    }
}

/// `type=registry,ref=REF[,...]` or a bare `REF`.
fn cache(value: &str) -> Cache {
    let spec = value.trim().to_owned();
    let registry = if spec.contains('=') {
        let mut kind = None;
        let mut reference = None;
        for part in spec.split(',') {
            match part.split_once('=') {
                Some(("type", t)) => kind = Some(t.trim()),
                Some(("ref", r)) => reference = Some(r.trim().to_owned()),
                _ => {}
            }
        }
        reference.filter(|_| kind == Some("registry"))
    } else {
        Some(spec.clone())
    };
    Cache { spec, registry }
}

/// `NAME=PATH` or `NAME=<scheme>://...`; a relative path becomes absolute
/// and must be a directory.
fn build_context(value: &str) -> Result<(String, String), InvalidInput> {
    let bad = |reason: String| InvalidInput::new("--build-context", reason);
    let Some((name, target)) = value.split_once('=') else {
        return Err(bad(format!("'{value}' is not NAME=PATH")));
    };
    let (name, target) = (name.trim(), target.trim());
    if name.is_empty() || target.is_empty() {
        return Err(bad(format!("'{value}' is not NAME=PATH")));
    }
    if target.contains("://") {
        return Ok((name.to_owned(), target.to_owned()));
    }
    let path = std::path::absolute(target).unwrap_or_else(|_| PathBuf::from(target));
    if !path.is_dir() {
        return Err(bad(format!(
            "'{value}': {} is not a directory: expected a local build context or \
             docker-image://, oci-layout://, https://",
            path.display()
        )));
    }
    Ok((name.to_owned(), path.display().to_string()))
}

/// `type=local,dest=DIR` or `type=tar,dest=FILE`.
fn output(value: &str) -> Result<String, InvalidInput> {
    let value = value.trim();
    let kind = value
        .split(',')
        .find_map(|part| part.strip_prefix("type="))
        .unwrap_or_default();
    let has_dest = value.split(',').any(|part| part.starts_with("dest="));
    if matches!(kind, "local" | "tar") && has_dest {
        return Ok(value.to_owned());
    }
    Err(InvalidInput::new(
        "--output",
        format!(
            "'{value}' is not supported: expected type=local,dest=DIR or type=tar,dest=FILE \
             (the image itself is pushed, or kept with --no-push)"
        ),
    ))
}

/// Secrets: `--secret-file ID=PATH`, `--secret-env ID=VAR` and the
/// `ID=VALUE` lines of [`SECRETS_VAR`].
fn secrets(
    files: &[String],
    envs: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Secret>, InvalidInput> {
    let pair = |flag: &str, value: &str| -> Result<(String, String), InvalidInput> {
        match value.split_once('=') {
            Some((id, rest)) if !id.trim().is_empty() => {
                Ok((id.trim().to_owned(), rest.to_owned()))
            }
            // Never echo the value: it may be the secret itself.
            _ => Err(InvalidInput::new(
                flag,
                "a line is not ID=VALUE (the id is missing)",
            )),
        }
    };
    let mut secrets = Vec::new();
    for value in files {
        let (id, path) = pair("--secret-file", value)?;
        let path = std::path::absolute(path.trim()).unwrap_or_else(|_| PathBuf::from(&path));
        if !path.is_file() {
            return Err(InvalidInput::new(
                "--secret-file",
                format!("secret '{id}': {} is not a file", path.display()),
            ));
        }
        secrets.push(Secret {
            id,
            source: SecretSource::File(path),
        });
    }
    for value in envs {
        let (id, var) = pair("--secret-env", value)?;
        let Some(found) = env(var.trim()) else {
            return Err(InvalidInput::new(
                "--secret-env",
                format!(
                    "secret '{id}': the environment variable {} is not set",
                    var.trim()
                ),
            ));
        };
        secrets.push(Secret {
            id,
            source: SecretSource::Value(found),
        });
    }
    for line in env(SECRETS_VAR).unwrap_or_default().lines() {
        if line.trim().is_empty() {
            continue;
        }
        let (id, value) = pair(SECRETS_VAR, line)?;
        secrets.push(Secret {
            id,
            source: SecretSource::Value(value),
        });
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = secrets.iter().find(|s| !seen.insert(s.id.clone())) {
        return Err(InvalidInput::new(
            "--secret-file",
            format!("secret '{}' is given twice", dup.id),
        ));
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests;
