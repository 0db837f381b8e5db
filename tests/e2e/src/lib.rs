//! Cross-tool end to end: [`stack::LocalAws`] brings up every local
//! stand-in the tools need (moto, the registry with ECR's login, ecs-sim);
//! the `portfolio-demo` binary runs the backend pipeline against it, and
//! `tests/it` runs the composite actions and workflows against it.

#![deny(missing_docs)]

pub mod stack;

use std::path::{Path, PathBuf};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Copies the tree `from` into `to` (created as needed), leaving out what
/// tools rebuild: `.terraform`, `target`, `node_modules` and `dist`.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if [".terraform", "target", "node_modules", "dist"]
            .iter()
            .any(|skip| name == *skip)
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
