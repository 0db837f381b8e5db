//! Where terraform and OpenTofu publish their releases, and the formats of
//! what is published there.
//!
//! - terraform (HashiCorp): the index `<base>/terraform/index.json`
//!   (`{"versions": {"1.9.8": {"builds": [{"os", "arch", ...}]}}}`), the
//!   archive `<base>/terraform/<v>/terraform_<v>_<os>_<arch>.zip` and
//!   `<base>/terraform/<v>/terraform_<v>_SHA256SUMS`; base
//!   <https://releases.hashicorp.com>.
//! - OpenTofu: the index <https://get.opentofu.org/tofu/api.json>
//!   (`{"versions": [{"id": "1.8.0", "files": [...]}]}`), the archive
//!   `<base>/v<v>/tofu_<v>_<os>_<arch>.zip` and `tofu_<v>_SHA256SUMS` beside
//!   it; base <https://github.com/opentofu/opentofu/releases/download>.
//!
//! SHA256SUMS has one `HEX  FILENAME` line per file of the release.

use std::collections::BTreeMap;

use clap::ValueEnum;
use semver::Version;
use serde::Deserialize;

/// Which program to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// HashiCorp terraform.
    Terraform,
    /// OpenTofu.
    Tofu,
}

impl Engine {
    /// The program's name: the binary in the archive and the file prefix.
    pub fn program(self) -> &'static str {
        match self {
            Engine::Terraform => "terraform",
            Engine::Tofu => "tofu",
        }
    }

    /// The official download base.
    pub fn default_download_url(self) -> &'static str {
        match self {
            Engine::Terraform => "https://releases.hashicorp.com",
            Engine::Tofu => "https://github.com/opentofu/opentofu/releases/download",
        }
    }

    /// The release index: OpenTofu's official one, HashiCorp's under `base`.
    pub fn default_index_url(self, base: &str) -> String {
        match self {
            Engine::Terraform => format!("{}/terraform/index.json", base.trim_end_matches('/')),
            Engine::Tofu => "https://get.opentofu.org/tofu/api.json".to_owned(),
        }
    }

    /// The directory of one version's files under `base`.
    fn version_url(self, base: &str, version: &Version) -> String {
        let base = base.trim_end_matches('/');
        match self {
            Engine::Terraform => format!("{base}/terraform/{version}"),
            Engine::Tofu => format!("{base}/v{version}"),
        }
    }

    /// The archive's file name for `platform`.
    pub fn archive_name(self, version: &Version, platform: &Platform) -> String {
        format!("{}_{version}_{}.zip", self.program(), platform.name())
    }

    /// The URLs of the archive and of SHA256SUMS.
    pub fn urls(self, base: &str, version: &Version, platform: &Platform) -> (String, String) {
        let dir = self.version_url(base, version);
        (
            format!("{dir}/{}", self.archive_name(version, platform)),
            format!("{dir}/{}_{version}_SHA256SUMS", self.program()),
        )
    }

    /// The versions of an index document that have an archive for
    /// `platform` (as far as the index tells), newest first.
    pub fn versions(self, index: &[u8], platform: &Platform) -> Result<Vec<Version>, String> {
        let mut versions: Vec<Version> = match self {
            Engine::Terraform => {
                let index: HashiCorpIndex =
                    serde_json::from_slice(index).map_err(|e| e.to_string())?;
                index
                    .versions
                    .into_iter()
                    .filter(|(_, release)| {
                        release.builds.is_empty()
                            || release
                                .builds
                                .iter()
                                .any(|b| b.os == platform.os && b.arch == platform.arch)
                    })
                    .filter_map(|(id, _)| Version::parse(&id).ok())
                    .collect()
            }
            Engine::Tofu => {
                let index: TofuIndex = serde_json::from_slice(index).map_err(|e| e.to_string())?;
                index
                    .versions
                    .into_iter()
                    .filter_map(|release| {
                        let version = Version::parse(&release.id).ok()?;
                        let archive = self.archive_name(&version, platform);
                        (release.files.is_empty() || release.files.contains(&archive))
                            .then_some(version)
                    })
                    .collect()
            }
        };
        versions.sort_unstable_by(|a, b| b.cmp(a));
        Ok(versions)
    }
}

#[derive(Deserialize)]
struct HashiCorpIndex {
    versions: BTreeMap<String, HashiCorpRelease>,
}

#[derive(Deserialize)]
struct HashiCorpRelease {
    #[serde(default)]
    builds: Vec<HashiCorpBuild>,
}

#[derive(Deserialize)]
struct HashiCorpBuild {
    os: String,
    arch: String,
}

#[derive(Deserialize)]
struct TofuIndex {
    versions: Vec<TofuRelease>,
}

#[derive(Deserialize)]
struct TofuRelease {
    id: String,
    #[serde(default)]
    files: Vec<String>,
}

/// An operating system and architecture, as the release file names spell
/// them (`linux_amd64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `darwin`, ...
    pub os: String,
    /// `amd64`, `arm64`, ...
    pub arch: String,
}

impl Platform {
    /// The platform this program runs on, or what is not supported.
    pub fn current() -> Result<Platform, String> {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            os @ ("linux" | "freebsd" | "openbsd" | "windows") => os,
            other => {
                return Err(format!(
                    "no terraform releases for the operating system {other}"
                ));
            }
        };
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            other => {
                return Err(format!(
                    "no terraform releases for the architecture {other}"
                ));
            }
        };
        Ok(Platform {
            os: os.to_owned(),
            arch: arch.to_owned(),
        })
    }

    /// `os_arch`.
    pub fn name(&self) -> String {
        format!("{}_{}", self.os, self.arch)
    }
}

/// The sha256 (lower-case hex) that a SHA256SUMS file lists for `file`.
pub fn sum_of(sums: &str, file: &str) -> Option<String> {
    sums.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let hex = words.next()?;
        let name = words.next()?.trim_start_matches('*');
        (name == file && hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| hex.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests;
