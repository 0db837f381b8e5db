//! `portfolio-ci.yaml`: the project's configuration, with built-in defaults
//! that reproduce the architecture spec.
//!
//! Precedence is flags > environment variables > file > defaults. Flags and
//! their environment variables are clap's job (each flag declares `env`);
//! a tool asks this module only for what the user did not give. The file is
//! `--config FILE`, else `$PORTFOLIO_CI_CONFIG`, else the first
//! `portfolio-ci.yaml` found upward from the working directory; without one
//! the defaults apply. Unknown keys and bad values are errors that name the
//! file, the key and the line (exit 2).

mod defaults;
mod error;
mod model;

use std::path::{Path, PathBuf};

pub use error::ConfigError;
pub use model::{
    Config, Deployment, Ecr, Environment, Names, ServiceConfig, ServiceEntry, Terraform,
};

/// The file name searched for upward from the working directory.
pub const FILE_NAME: &str = "portfolio-ci.yaml";

/// Environment variable naming the configuration file.
pub const ENV_VAR: &str = "PORTFOLIO_CI_CONFIG";

impl Config {
    /// Loads the configuration: `explicit` (from `--config`), else
    /// `$PORTFOLIO_CI_CONFIG`, else `portfolio-ci.yaml` found upward from
    /// the working directory, else the built-in defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let from_env = std::env::var_os(ENV_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let path = match (explicit, from_env) {
            (Some(path), _) => Some(path.to_path_buf()),
            (None, Some(path)) => Some(path),
            (None, None) => std::env::current_dir()
                .ok()
                .and_then(|dir| find_upward(&dir)),
        };
        match path {
            Some(path) => Config::from_file(&path),
            None => Ok(Config::default()),
        }
    }

    /// Reads and validates one configuration file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::from_yaml(&text, path, &base)
    }

    /// Parses `text` as if read from `path`; relative paths resolve against `base`.
    pub fn from_yaml(text: &str, path: &Path, base: &Path) -> Result<Config, ConfigError> {
        let deserializer = serde_yaml_ng::Deserializer::from_str(text);
        let mut config: Config = match serde_path_to_error::deserialize(deserializer) {
            Ok(config) => config,
            Err(err) => return Err(ConfigError::parse(path, err)),
        };
        config.source = Some(path.to_path_buf());
        config.base_dir = base.to_path_buf();
        config.validate()?;
        Ok(config)
    }
}

/// The first `portfolio-ci.yaml` in `start` or one of its ancestors.
pub fn find_upward(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests;
