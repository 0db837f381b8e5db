//! `terraform-runner install`: puts the terraform (or OpenTofu) the root
//! module needs on the runner.
//!
//! The version wanted is `--terraform-version` (exact or a constraint),
//! else the module's `required_version`, else the newest release. A
//! constraint is resolved against the release index to the newest stable
//! version it allows, so the plan and apply jobs can pin the exact version
//! the plan job reported (terraform refuses a plan made by another
//! version). Then, in order, without downloading when it can:
//! 1. the program on `PATH` reports exactly that version: used as it is;
//! 2. the tool cache holds it, complete: used, nothing downloaded;
//! 3. SHA256SUMS and the archive are downloaded (retrying transient
//!    failures), the archive's sha256 must be the one SHA256SUMS lists for
//!    it, or nothing is installed; it is unpacked into the cache.
//!
//! The program's directory goes on the job's `PATH` (`$GITHUB_PATH`); the
//! version and path are step outputs.

mod cache;
mod constraint;
mod download;
mod release;
mod required;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use portfolio_core::{Config, Exit, InvalidInput, Report, Session};
use semver::Version;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cli::{InstallArgs, InstallSource, TargetArgs};
use crate::error::Error;

pub use constraint::Constraint;
pub use release::Engine;
use release::Platform;

/// The value of `--terraform-version` that asks for the newest release.
const LATEST: &str = "latest";

/// What was asked for, and where it came from.
#[derive(Debug, Clone)]
enum Wanted {
    /// `--terraform-version`.
    Flag(Constraint),
    /// The root module's `required_version`, from these files.
    Required(Constraint, Vec<PathBuf>),
    /// Nothing constrains the version: the newest release.
    Latest,
}

impl Wanted {
    fn constraint(&self) -> Option<&Constraint> {
        match self {
            Wanted::Flag(c) | Wanted::Required(c, _) => Some(c),
            Wanted::Latest => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Wanted::Flag(c) => format!("{c} (--terraform-version)"),
            Wanted::Required(c, files) => {
                let names: Vec<String> = files
                    .iter()
                    .filter_map(|f| f.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                format!("{c} (required_version in {})", names.join(", "))
            }
            Wanted::Latest => "the newest release (no required_version)".to_owned(),
        }
    }
}

/// Where the installed program came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// It was on `PATH` already, in the wanted version.
    Path,
    /// The tool cache held it.
    Cache,
    /// Downloaded and verified now.
    Download,
}

/// The result of `install` (the `--json` object).
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    /// `install`.
    pub operation: &'static str,
    /// `terraform` or `tofu`.
    pub program: &'static str,
    /// The version installed.
    pub version: String,
    /// What was asked for.
    pub wanted: String,
    /// The program's path.
    pub path: PathBuf,
    /// Where it came from.
    pub source: Source,
    /// The archive's URL (downloaded now or when the cache was filled).
    pub url: Option<String>,
    /// The archive's sha256, verified against SHA256SUMS.
    pub sha256: Option<String>,
}

impl Report for Installed {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("terraform-version", self.version.clone()),
            ("terraform-path", self.path.display().to_string()),
        ]
    }

    fn summary(&self) -> Option<String> {
        let source = match (&self.source, &self.url) {
            (Source::Path, _) | (_, None) => "already on PATH".to_owned(),
            (Source::Cache, Some(url)) => format!("the tool cache (downloaded from {url})"),
            (Source::Download, Some(url)) => format!("downloaded from {url}"),
        };
        let mut text = format!(
            "### {} {}\n\n| | |\n| --- | --- |\n| wanted | {} |\n| source | {source} |\n",
            self.program, self.version, self.wanted
        );
        if let Some(sha256) = &self.sha256 {
            text.push_str(&format!(
                "| sha256 | `{sha256}` (verified against SHA256SUMS) |\n"
            ));
        }
        text.push_str(&format!("| path | `{}` |\n", self.path.display()));
        Some(text)
    }

    fn lines(&self) -> Vec<String> {
        let (program, version, path) = (self.program, &self.version, self.path.display());
        let line = match (&self.source, &self.url, &self.sha256) {
            (Source::Download, Some(url), Some(sha256)) => format!(
                "installed {program} {version} from {url} (sha256 {sha256}, verified against SHA256SUMS): {path}"
            ),
            (Source::Cache, Some(url), Some(sha256)) => format!(
                "{program} {version} from the tool cache, nothing downloaded: {path} (from {url}, sha256 {sha256})"
            ),
            _ => format!("{program} {version} is already on PATH: {path}"),
        };
        vec![format!("wanted: {}", self.wanted), line]
    }
}

/// Runs `install` to its end and publishes the result.
pub async fn run(session: &Session, args: InstallArgs, config: &Config) -> Result<Exit, Error> {
    let dir = root_module(args.dir.as_deref(), config);
    let wanted = wanted(&args.source, &dir, args.engine)?;
    let installed = session
        .cancel
        .guard(install(session, &args.source, args.engine, &wanted))
        .await?;
    if installed.source != Source::Path
        && let Some(dir) = installed.path.parent()
    {
        session
            .actions
            .add_path(dir)
            .map_err(Error::io("cannot write $GITHUB_PATH", dir))?;
    }
    session.publish(&installed)?;
    Ok(Exit::OK)
}

/// Before plan, apply or destroy: when the program is terraform or tofu by
/// name and the one on PATH is missing or not the version wanted, installs
/// it and points `--binary` at it. A path given as the binary is used as it
/// is; so is a program of another name (found or refused later).
pub async fn ensure_for(
    session: &Session,
    target: &mut TargetArgs,
    config: &Config,
) -> Result<(), Error> {
    let named = target
        .binary
        .as_deref()
        .or(config.terraform.binary.as_deref());
    let engine = match named {
        Some("terraform") => Engine::Terraform,
        Some("tofu") => Engine::Tofu,
        Some(_) => return Ok(()),
        None if which::which("terraform").is_err() && which::which("tofu").is_ok() => Engine::Tofu,
        None => Engine::Terraform,
    };
    let dir = std::env::current_dir()
        .map_err(Error::io("cannot read", "."))?
        .join(root_module(target.dir.as_deref(), config));
    if !dir.is_dir() {
        // Settings::resolve refuses it, naming the flag or key.
        return Ok(());
    }
    let wanted = wanted(&target.install, &dir, engine)?;
    let installed = session
        .cancel
        .guard(install(session, &target.install, engine, &wanted))
        .await?;
    for line in installed.lines() {
        session.progress.line(&line);
    }
    // The apply job pins what the plan job ran: a plan is only applied by
    // the terraform version that made it.
    session
        .actions
        .set_output("terraform-version", &installed.version)
        .map_err(Error::io("cannot write the step outputs", "$GITHUB_OUTPUT"))?;
    if installed.source != Source::Path {
        target.binary = Some(installed.path.display().to_string());
    }
    Ok(())
}

/// The root module: `--dir`, else terraform.dir of portfolio-ci.yaml.
fn root_module(dir: Option<&Path>, config: &Config) -> PathBuf {
    match dir {
        Some(dir) => dir.to_path_buf(),
        None => config.resolve(&config.terraform.dir),
    }
}

/// The program on PATH when it fits `wanted`, else the wanted version from
/// the tool cache, else downloaded and verified into it.
async fn install(
    session: &Session,
    source: &InstallSource,
    engine: Engine,
    wanted: &Wanted,
) -> Result<Installed, Error> {
    let program = engine.program();
    let mut installed = Installed {
        operation: "install",
        program,
        version: String::new(),
        wanted: wanted.describe(),
        path: PathBuf::new(),
        source: Source::Path,
        url: None,
        sha256: None,
    };
    if let Some((path, version)) = on_path(program).await
        && wanted.constraint().is_none_or(|c| c.matches(&version))
    {
        installed.path = path;
        installed.version = version.to_string();
        return Ok(installed);
    }

    let platform = Platform::current().map_err(|reason| Error::Installer { reason })?;
    let base = source
        .download_url
        .clone()
        .unwrap_or_else(|| engine.default_download_url().to_owned());
    let downloader = download::Downloader::new()?;
    let version = if let Some(exact) = wanted.constraint().and_then(Constraint::exact) {
        exact.clone()
    } else {
        let index_url = source
            .index_url
            .clone()
            .unwrap_or_else(|| engine.default_index_url(&base));
        session
            .progress
            .status(&format!("resolving {} from {index_url}", wanted.describe()));
        newest(&downloader, &index_url, engine, &platform, wanted).await?
    };
    installed.version = version.to_string();

    let slot = cache::Slot::new(
        &cache_dir(source.cache_dir.as_deref())?,
        program,
        &installed.version,
        &platform.name(),
    );
    installed.path = slot.binary();
    if let Some(origin) = slot.complete() {
        installed.source = Source::Cache;
        installed.url = Some(origin.url);
        installed.sha256 = Some(origin.sha256);
        return Ok(installed);
    }

    let (url, sums_url) = engine.urls(&base, &version, &platform);
    let file = engine.archive_name(&version, &platform);
    session.progress.status(&format!("downloading {sums_url}"));
    let sums = downloader.get(&sums_url).await?;
    let expected = release::sum_of(&String::from_utf8_lossy(&sums), &file).ok_or_else(|| {
        Error::ArchiveNotListed {
            sums_url: sums_url.clone(),
            file: file.clone(),
        }
    })?;
    session.progress.status(&format!("downloading {url}"));
    let archive = downloader.get(&url).await?;
    let actual = hex::encode(Sha256::digest(&archive));
    if actual != expected {
        return Err(Error::ArchiveChecksum {
            url,
            sums_url,
            expected,
            actual,
        });
    }
    let origin = cache::Origin {
        url: url.clone(),
        sha256: actual,
    };
    slot.store(&archive, &origin)?;
    installed.source = Source::Download;
    installed.url = Some(origin.url);
    installed.sha256 = Some(origin.sha256);
    Ok(installed)
}

/// `--terraform-version`, else the `required_version` of the root module
/// `dir`, else the newest release.
fn wanted(source: &InstallSource, dir: &Path, engine: Engine) -> Result<Wanted, Error> {
    match source.terraform_version.as_deref().map(str::trim) {
        Some(LATEST) => return Ok(Wanted::Latest),
        Some(text) if !text.is_empty() => {
            return Constraint::parse(text)
                .map(Wanted::Flag)
                .map_err(|reason| InvalidInput::new("--terraform-version", reason).into());
        }
        _ => {}
    }
    if !dir.is_dir() {
        return Err(InvalidInput::new(
            "--dir",
            format!(
                "{} is not a directory: expected the terraform root module whose required_version \
                 says what to install (or pass --terraform-version)",
                dir.display()
            ),
        )
        .into());
    }
    let extensions: &[&str] = match engine {
        Engine::Terraform => &["tf"],
        Engine::Tofu => &["tf", "tofu"],
    };
    Ok(match required::required_version(dir, extensions)? {
        Some((constraint, files)) => Wanted::Required(constraint, files),
        None => Wanted::Latest,
    })
}

/// The newest stable version of the index that `wanted` allows (a
/// pre-release only when the constraint names one).
async fn newest(
    downloader: &download::Downloader,
    index_url: &str,
    engine: Engine,
    platform: &Platform,
    wanted: &Wanted,
) -> Result<Version, Error> {
    let index = downloader.get(index_url).await?;
    let versions = engine
        .versions(&index, platform)
        .map_err(|reason| Error::Download {
            url: index_url.to_owned(),
            reason: format!("not a release index: {reason}"),
        })?;
    versions
        .into_iter()
        .find(|v| match wanted.constraint() {
            Some(c) => c.matches(v),
            None => v.pre.is_empty(),
        })
        .ok_or_else(|| Error::NoMatchingVersion {
            wanted: wanted.describe(),
            index_url: index_url.to_owned(),
            platform: platform.name(),
        })
}

/// The program on `PATH` and the version it reports
/// (`<program> version -json`).
async fn on_path(program: &str) -> Option<(PathBuf, Version)> {
    let path = which::which(program).ok()?;
    let output = tokio::process::Command::new(&path)
        .args(["version", "-json"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .await
        .ok()?;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let version = Version::parse(report["terraform_version"].as_str()?).ok()?;
    Some((path, version))
}

/// `--cache-dir`, else `$RUNNER_TOOL_CACHE`, else `~/.cache/portfolio-ci/tools`.
fn cache_dir(flag: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("RUNNER_TOOL_CACHE") {
        return Ok(dir);
    }
    let cache = var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|home| home.join(".cache")));
    cache
        .map(|c| c.join("portfolio-ci").join("tools"))
        .ok_or_else(|| {
            InvalidInput::new(
                "--cache-dir",
                "no tool cache: set --cache-dir, RUNNER_TOOL_CACHE or HOME",
            )
            .into()
        })
}
