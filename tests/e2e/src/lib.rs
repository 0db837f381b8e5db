//! Cross-tool end to end: [`stack::LocalAws`] brings up every local
//! stand-in the tools need (moto, the registry with ECR's login, ecs-sim);
//! the `portfolio-demo` binary runs the backend pipeline against it, and
//! `tests/it` runs the composite actions and workflows against it.

pub mod stack;

use std::path::{Path, PathBuf};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
