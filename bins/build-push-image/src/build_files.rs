//! The private files of one build: the secret values handed to the
//! builder as files (never as arguments or environment) and the image id
//! file the builder writes. They live in a 0700 temporary directory (the
//! run puts it inside its private auth directory) that is removed when the
//! run ends, also on Ctrl-C.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::build_options::{BuildOptions, SecretSource};
use crate::error::Error;

/// The private directory; removed when dropped.
#[derive(Debug)]
pub struct BuildFiles {
    dir: tempfile::TempDir,
    secrets: Vec<(String, PathBuf)>,
}

impl BuildFiles {
    /// Creates the directory under `parent` (or the system temp dir) and
    /// writes every secret value of `options` to a 0600 file in it.
    pub fn create(parent: Option<&Path>, options: &BuildOptions) -> Result<BuildFiles, Error> {
        let io = portfolio_core::Error::io;
        let mut builder = tempfile::Builder::new();
        builder.prefix("build-push-image-files-");
        builder.permissions(fs::Permissions::from_mode(0o700));
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent),
            None => builder.tempdir(),
        }
        .map_err(io("cannot create the private build directory"))?;
        let mut secrets = Vec::new();
        for (index, secret) in options.secrets.iter().enumerate() {
            let SecretSource::Value(value) = &secret.source else {
                continue;
            };
            let path = dir.path().join(format!("secret-{index}"));
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut file| file.write_all(value.as_bytes()))
                .map_err(io("cannot write a build secret to the private directory"))?;
            secrets.push((secret.id.clone(), path));
        }
        Ok(BuildFiles { dir, secrets })
    }

    /// The private file holding the value of secret `id`.
    pub fn secret(&self, id: &str) -> Option<PathBuf> {
        self.secrets
            .iter()
            .find(|(name, _)| name == id)
            .map(|(_, path)| path.clone())
    }

    /// Where the builder writes the image id (`--iidfile`).
    pub fn iidfile(&self) -> PathBuf {
        self.dir.path().join("image-id")
    }

    /// The image id the builder wrote, `sha256:<hex>`.
    pub fn image_id(&self) -> Option<String> {
        let text = fs::read_to_string(self.iidfile()).ok()?;
        let id = text.trim();
        if id.is_empty() {
            None
        } else if id.starts_with("sha256:") {
            Some(id.to_owned())
        } else {
            Some(format!("sha256:{id}"))
        }
    }
}
