//! The tool cache, laid out as the runner's own (`actions/tool-cache`):
//! `<cache>/<program>/<version>/<os>_<arch>/<program>` and, beside the
//! directory, the marker `<os>_<arch>.complete` written last. A directory
//! without its marker is a crashed or interrupted install: it is removed
//! and installed again. The marker records where the archive came from and
//! its sha256, for the "cache used" line.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One version of one program for one platform in the cache.
#[derive(Debug, Clone)]
pub struct Slot {
    dir: PathBuf,
    marker: PathBuf,
    program: &'static str,
}

/// What the marker of a complete install records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Origin {
    /// The archive's URL.
    pub url: String,
    /// The archive's sha256 (hex), as verified against SHA256SUMS.
    pub sha256: String,
}

impl Slot {
    /// The slot of `program` `version` for `platform` under `cache`.
    pub fn new(cache: &Path, program: &'static str, version: &str, platform: &str) -> Slot {
        let parent = cache.join(program).join(version);
        Slot {
            dir: parent.join(platform),
            marker: parent.join(format!("{platform}.complete")),
            program,
        }
    }

    /// The program's path.
    pub fn binary(&self) -> PathBuf {
        self.dir.join(self.program)
    }

    /// Where a complete install came from; `None` when the slot is empty
    /// or incomplete.
    pub fn complete(&self) -> Option<Origin> {
        let text = std::fs::read_to_string(&self.marker).ok()?;
        let origin = serde_json::from_str(&text).ok()?;
        is_executable(&self.binary()).then_some(origin)
    }

    /// Unpacks the program from `archive` into the slot, then marks it
    /// complete: a run that stops half-way leaves no marker.
    pub fn store(&self, archive: &[u8], origin: &Origin) -> Result<(), Error> {
        let parent = self.dir.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(Error::io("cannot create", parent))?;
        let _ = std::fs::remove_file(&self.marker);
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .map_err(Error::io("cannot remove the incomplete install", &self.dir))?;
        }
        let staging = tempfile::Builder::new()
            .prefix(".install-")
            .tempdir_in(parent)
            .map_err(Error::io("cannot create a directory in", parent))?;
        let bytes = unpack(archive, self.program).map_err(|reason| Error::Archive {
            url: origin.url.clone(),
            reason,
        })?;
        let staged = staging.path().join(self.program);
        write_executable(&staged, &bytes).map_err(Error::io("cannot write", &staged))?;
        if let Err(err) = std::fs::rename(staging.path(), &self.dir) {
            // Another job on this runner installed the same version first.
            if self.complete().is_some() {
                return Ok(());
            }
            return Err(Error::io("cannot move the install into", &self.dir)(err));
        }
        serde_json::to_vec(origin)
            .map_err(std::io::Error::other)
            .and_then(|marker| std::fs::write(&self.marker, marker))
            .map_err(Error::io("cannot write", &self.marker))
    }
}

/// The file `program` from the zip `archive`.
fn unpack(archive: &[u8], program: &str) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive))
        .map_err(|err| format!("not a zip archive: {err}"))?;
    let mut file = zip
        .by_name(program)
        .map_err(|_| format!("the archive holds no file named {program}"))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|err| format!("cannot unpack {program}: {err}"))?;
    Ok(bytes)
}

fn write_executable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
