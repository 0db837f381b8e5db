//! The base image of the sample application on machines that cannot pull:
//! FROM scratch with Debian's static busybox (package `busybox-static`)
//! and its applets (`sh`, `httpd`, `wget`...) linked into `/bin`, as Docker
//! Hub's `busybox:*-musl` has them.
//!
//! The sample Dockerfiles start `FROM ${BASE}` (Docker Hub's busybox by
//! default); local builds pass [`build_arg`]. The image is created once in
//! the Docker engine ([`docker`]) or buildah's storage ([`buildah`]) under
//! [`REPOSITORY`]`:<busybox version>` and kept, like a pulled base image
//! (two megabytes, reused by every build).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::TestkitError;

/// Where Debian's `busybox-static` installs the static binary.
pub const BUSYBOX: &str = "/bin/busybox";

/// The repository of the local base image in the Docker engine.
pub const REPOSITORY: &str = "localhost/portfolio-ci/busybox-static";

/// The sample Dockerfiles' build argument naming their base image.
pub const BUILD_ARG_NAME: &str = "BASE";

/// The base image's Dockerfile: the binary, its applets as symlinks, and
/// the PATH busybox images have.
const DOCKERFILE: &str = "\
FROM scratch
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD [\"sh\"]
";

/// `BASE=<reference>`: the `--build-arg` that builds the sample images on
/// the local base `reference` (from [`docker`] or [`buildah`]).
#[must_use]
pub fn build_arg(reference: &str) -> String {
    format!("{BUILD_ARG_NAME}={reference}")
}

/// Where a base image is kept: the store the builder reads `FROM` from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// The Docker engine's images (docker build).
    Docker,
    /// buildah's local storage (buildah build, chroot isolation).
    Buildah,
}

impl Store {
    fn program(self) -> &'static str {
        match self {
            Store::Docker => "docker",
            Store::Buildah => "buildah",
        }
    }

    /// The arguments that ask whether the store has an image (then the
    /// reference).
    fn inspect(self) -> &'static [&'static str] {
        match self {
            Store::Docker => &["image", "inspect", "--format", "{{.Id}}"],
            Store::Buildah => &["inspect", "--type", "image", "--format", "{{.FromImageID}}"],
        }
    }

    /// The arguments that build a context into the store (then
    /// `--tag REF DIR`).
    fn build(self) -> &'static [&'static str] {
        match self {
            Store::Docker => &["build", "--quiet"],
            Store::Buildah => &["build", "--isolation", "chroot", "--quiet"],
        }
    }
}

/// The local base image in the Docker engine, created when missing;
/// returns its reference, `localhost/portfolio-ci/busybox-static:<version>`.
pub fn docker() -> Result<String, TestkitError> {
    ensure(Store::Docker)
}

/// The local base image in buildah's storage (for builds without an
/// engine), created when missing; returns its reference.
pub fn buildah() -> Result<String, TestkitError> {
    ensure(Store::Buildah)
}

/// The local base image in `store`, created when missing. Concurrent
/// callers (test processes) create it once: the creation holds a lock file
/// in the temporary directory.
pub fn ensure(store: Store) -> Result<String, TestkitError> {
    check_static(Path::new(BUSYBOX))?;
    let reference = format!("{REPOSITORY}:{}", version(BUSYBOX)?);
    if exists(store, &reference)? {
        return Ok(reference);
    }
    let lock_path = std::env::temp_dir().join(format!(
        "portfolio-ci-busybox-static-{}.lock",
        store.program()
    ));
    let lock = File::create(&lock_path).map_err(io("creating the base image's lock"))?;
    lock.lock().map_err(io("locking the base image's lock"))?;
    if exists(store, &reference)? {
        return Ok(reference);
    }
    let context = tempfile::tempdir().map_err(io("creating the build context"))?;
    std::fs::copy(BUSYBOX, context.path().join("busybox")).map_err(io("copying busybox"))?;
    std::fs::write(context.path().join("Dockerfile"), DOCKERFILE)
        .map_err(io("writing the Dockerfile"))?;
    let output = Command::new(store.program())
        .args(store.build())
        .args(["--tag", &reference])
        .arg(context.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|source| TestkitError::Io {
            program: store.program().to_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(TestkitError::Failed {
            program: format!("{} build", store.program()),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(reference)
}

/// Whether `store` has `reference`.
fn exists(store: Store, reference: &str) -> Result<bool, TestkitError> {
    Command::new(store.program())
        .args(store.inspect())
        .arg(reference)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|status| status.success())
        .map_err(|source| TestkitError::Io {
            program: store.program().to_owned(),
            source,
        })
}

/// The version busybox prints first (`BusyBox v1.35.0 (Debian ...)` ->
/// `1.35.0`).
fn version(busybox: &str) -> Result<String, TestkitError> {
    let output = Command::new(busybox)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| not_installed_or(busybox, source))?;
    let banner = String::from_utf8_lossy(&output.stdout);
    banner
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.strip_prefix('v'))
        .map(str::to_owned)
        .ok_or_else(|| TestkitError::Failed {
            program: busybox.to_owned(),
            detail: format!("no version in its banner {:?}", banner.lines().next()),
        })
}

/// Fails unless `path` is a static ELF executable (no `PT_INTERP` program
/// header): Debian's `busybox` package installs a dynamic one at the same
/// path, which cannot run in an image without a libc.
fn check_static(path: &Path) -> Result<(), TestkitError> {
    let mut file = File::open(path).map_err(|source| not_installed_or(BUSYBOX, source))?;
    let mut head = vec![0u8; 64 * 1024];
    let read = file.read(&mut head).map_err(io("reading busybox"))?;
    head.truncate(read);
    if has_interpreter(&head) {
        return Err(TestkitError::NotInstalled {
            program: format!("a static {BUSYBOX}"),
            hint: format!(
                "{BUSYBOX} is dynamically linked: apt-get install busybox-static (it replaces busybox)"
            ),
        });
    }
    Ok(())
}

/// Whether the 64-bit little-endian ELF image starting with `head` has a
/// program interpreter (is dynamically linked).
fn has_interpreter(head: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let u16_at = |at: usize| {
        head.get(at..at + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u64_at = |at: usize| {
        head.get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .and_then(|b| usize::try_from(u64::from_le_bytes(b)).ok())
    };
    let (Some(offset), Some(size), Some(count)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38)) else {
        return false;
    };
    (0..count).any(|i| {
        head.get(offset + i * size..offset + i * size + 4)
            .is_some_and(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) == PT_INTERP)
    })
}

fn not_installed_or(program: &str, source: std::io::Error) -> TestkitError {
    if source.kind() == std::io::ErrorKind::NotFound {
        TestkitError::NotInstalled {
            program: program.to_owned(),
            hint: "apt-get install busybox-static".to_owned(),
        }
    } else {
        TestkitError::Io {
            program: program.to_owned(),
            source,
        }
    }
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> TestkitError {
    move |source| TestkitError::Io {
        program: what.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_busybox_has_no_interpreter_and_a_dynamic_binary_has_one() {
        let read = |p: &str| std::fs::read(p).unwrap();
        assert!(!has_interpreter(&read(BUSYBOX)));
        assert!(has_interpreter(&read("/bin/ls")));
    }
}
