//! The content digest of a build: what decides whether a build can be
//! skipped.
//!
//! The digest covers the Dockerfile, every file and directory the
//! `.dockerignore` lets through (path, executable bit, content or link
//! target), the build args, target, platform and user labels. Two builds
//! with the same digest produce the same image (up to timestamps), so the
//! digest becomes the tag `ctx-<12 hex>` and a registry that has that tag
//! already has the image.
//!
//! What is hashed is what the builder receives: the paths that the
//! `.dockerignore` lets through as [`crate::dockerignore`] decides them.
//! Builders disagree in corner cases (`**/*.txt` then `!keep` re-includes
//! `keep/a.txt` for buildah, not for Docker), and the tag must not depend
//! on which one runs, so a path is hashed when any of them would send it:
//! a change that reaches an image always changes the tag.
//!
//! Files are hashed in parallel, one worker per core; large reads keep the
//! cost close to SHA-256 itself.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::dockerignore::{DirState, Flavour, Selection};
use crate::error::Error;

/// Everything besides the files that decides what the build produces.
#[derive(Debug, Clone, Default)]
pub struct BuildInputs {
    /// Build args, resolved to `KEY=VALUE`.
    pub build_args: Vec<(String, String)>,
    /// Target stage.
    pub target: Option<String>,
    /// Platform(s).
    pub platform: Option<String>,
    /// User labels.
    pub labels: Vec<(String, String)>,
    /// Other inputs that change the image (annotations, named build
    /// contexts by their content's digest); hashed only when present, so
    /// that a build without them keeps its tag.
    pub extra: Vec<(String, String)>,
}

/// The digest of a build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextDigest {
    /// Full SHA-256, hex.
    pub hex: String,
    /// Files hashed.
    pub files: usize,
    /// Bytes hashed.
    pub bytes: u64,
}

impl ContextDigest {
    /// The tag that marks an image built from this context: `ctx-<12 hex>`.
    pub fn tag(&self) -> String {
        format!("ctx-{}", &self.hex[..12])
    }
}

/// One entry of the context, in path order.
#[derive(Debug)]
enum Entry {
    File { path: String, executable: bool },
    Dir { path: String },
    Link { path: String, target: String },
}

/// Hashes the build: `dockerfile` and the files of `context` that its
/// `.dockerignore` lets through, plus `inputs`.
pub fn digest(
    context: &Path,
    dockerfile: &Path,
    inputs: &BuildInputs,
) -> Result<ContextDigest, Error> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Context { path, source }
    };
    let dockerfile_bytes = std::fs::read(dockerfile).map_err(read_err(dockerfile))?;
    let selection = Selection::load(context, dockerfile, &Flavour::ALL)?;
    let mut hasher = Sha256::new();
    field(&mut hasher, b"build-push-image context v1");
    field(&mut hasher, &dockerfile_bytes);
    let (files, bytes) = hash_tree(&mut hasher, context, &selection)?;
    for (key, value) in sorted(&inputs.build_args) {
        field(&mut hasher, b"A");
        field(&mut hasher, key.as_bytes());
        field(&mut hasher, value.as_bytes());
    }
    for (key, value) in sorted(&inputs.labels) {
        field(&mut hasher, b"B");
        field(&mut hasher, key.as_bytes());
        field(&mut hasher, value.as_bytes());
    }
    field(&mut hasher, b"T");
    field(
        &mut hasher,
        inputs.target.as_deref().unwrap_or("").as_bytes(),
    );
    field(&mut hasher, b"P");
    field(
        &mut hasher,
        inputs.platform.as_deref().unwrap_or("").as_bytes(),
    );
    for (key, value) in sorted(&inputs.extra) {
        field(&mut hasher, b"X");
        field(&mut hasher, key.as_bytes());
        field(&mut hasher, value.as_bytes());
    }
    Ok(ContextDigest {
        hex: hex::encode(hasher.finalize()),
        files,
        bytes,
    })
}

/// The digest of a directory as a named build context (`--build-context`)
/// sees it: what its own `.dockerignore` lets through.
pub fn tree_digest(dir: &Path) -> Result<ContextDigest, Error> {
    let selection = Selection::load(dir, &dir.join("Dockerfile"), &Flavour::ALL)?;
    let mut hasher = Sha256::new();
    field(&mut hasher, b"build-push-image tree v1");
    let (files, bytes) = hash_tree(&mut hasher, dir, &selection)?;
    Ok(ContextDigest {
        hex: hex::encode(hasher.finalize()),
        files,
        bytes,
    })
}

/// Hashes every entry of `context` that `selection` sends into `hasher`;
/// returns the number of files and bytes.
fn hash_tree(
    hasher: &mut Sha256,
    context: &Path,
    selection: &Selection,
) -> Result<(usize, u64), Error> {
    let entries = list(context, selection)?;
    let files: Vec<PathBuf> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::File { path, .. } => Some(context.join(path)),
            _ => None,
        })
        .collect();
    let (file_digests, bytes) = hash_files(&files)?;
    let mut next_file = file_digests.iter();
    for entry in &entries {
        match entry {
            Entry::File { path, executable } => {
                field(hasher, b"F");
                field(hasher, path.as_bytes());
                field(hasher, if *executable { b"x" } else { b"-" });
                if let Some(file_digest) = next_file.next() {
                    field(hasher, file_digest);
                }
            }
            Entry::Dir { path } => {
                field(hasher, b"D");
                field(hasher, path.as_bytes());
            }
            Entry::Link { path, target } => {
                field(hasher, b"L");
                field(hasher, path.as_bytes());
                field(hasher, target.as_bytes());
            }
        }
    }
    Ok((files.len(), bytes))
}

/// A length-prefixed field, so that no two different inputs hash alike.
fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn sorted(pairs: &[(String, String)]) -> Vec<&(String, String)> {
    let mut pairs: Vec<_> = pairs.iter().collect();
    pairs.sort();
    pairs
}

/// The paths of the context (files, directories, links; relative,
/// slash-separated, sorted) that builders of `flavours` receive.
pub fn sent_paths(
    context: &Path,
    dockerfile: &Path,
    flavours: &[Flavour],
) -> Result<Vec<String>, Error> {
    let selection = Selection::load(context, dockerfile, flavours)?;
    Ok(list(context, &selection)?
        .iter()
        .map(|entry| entry_path(entry).to_owned())
        .collect())
}

/// The entries the build sees, sorted by path: what `selection` sends, and
/// the directories above it, which the builder creates on the way.
fn list(context: &Path, selection: &Selection) -> Result<Vec<Entry>, Error> {
    let mut entries = Vec::new();
    let mut stack: Vec<(PathBuf, Vec<DirState>)> = vec![(PathBuf::new(), selection.root())];
    while let Some((dir, states)) = stack.pop() {
        let full = context.join(&dir);
        let read = std::fs::read_dir(&full).map_err(|source| Error::Context {
            path: full.clone(),
            source,
        })?;
        for item in read {
            let item = item.map_err(|source| Error::Context {
                path: full.clone(),
                source,
            })?;
            let relative = dir.join(item.file_name());
            let kind = item.file_type().map_err(|source| Error::Context {
                path: context.join(&relative),
                source,
            })?;
            let path = relative.to_string_lossy().into_owned();
            let verdict = selection.decide(&path, kind.is_dir(), &states);
            if kind.is_dir() && verdict.descend {
                stack.push((relative.clone(), verdict.states));
            }
            if !verdict.sent {
                continue;
            }
            if kind.is_dir() {
                entries.push(Entry::Dir { path });
            } else if kind.is_symlink() {
                let target = std::fs::read_link(context.join(&relative)).map_err(|source| {
                    Error::Context {
                        path: context.join(&relative),
                        source,
                    }
                })?;
                let target = target.to_string_lossy().into_owned();
                entries.push(Entry::Link { path, target });
            } else {
                let mode = item
                    .metadata()
                    .map_err(|source| Error::Context {
                        path: context.join(&relative),
                        source,
                    })?
                    .permissions()
                    .mode();
                entries.push(Entry::File {
                    path,
                    executable: mode & 0o111 != 0,
                });
            }
        }
    }
    add_parents(&mut entries);
    entries.sort_by(|a, b| entry_path(a).cmp(entry_path(b)));
    Ok(entries)
}

/// Adds the directories above each entry that are not entries themselves
/// (excluded, yet created to hold a re-included path).
fn add_parents(entries: &mut Vec<Entry>) {
    let present: std::collections::BTreeSet<String> =
        entries.iter().map(|e| entry_path(e).to_owned()).collect();
    let mut missing = std::collections::BTreeSet::new();
    for path in &present {
        for (at, _) in path.match_indices('/') {
            let parent = &path[..at];
            if !present.contains(parent) {
                missing.insert(parent.to_owned());
            }
        }
    }
    entries.extend(missing.into_iter().map(|path| Entry::Dir { path }));
}

fn entry_path(entry: &Entry) -> &str {
    match entry {
        Entry::File { path, .. } | Entry::Dir { path } | Entry::Link { path, .. } => path,
    }
}

/// A file hashed by a worker: its index, digest and size.
type Hashed = (usize, [u8; 32], u64);

/// SHA-256 of each file, in order, computed by one worker per core; and
/// the total number of bytes.
pub fn hash_files(files: &[PathBuf]) -> Result<(Vec<[u8; 32]>, u64), Error> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Vec<Result<Vec<Hashed>, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut buffer = vec![0u8; 1 << 20];
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(index) else {
                            return Ok(done);
                        };
                        let (digest, size) =
                            hash_file(path, &mut buffer).map_err(|source| Error::Context {
                                path: path.clone(),
                                source,
                            })?;
                        done.push((index, digest, size));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(Error::Context {
                        path: PathBuf::new(),
                        source: io::Error::other("a hashing thread panicked"),
                    })
                })
            })
            .collect()
    });
    let mut digests = vec![[0u8; 32]; files.len()];
    let mut total = 0;
    for result in results {
        for (index, digest, size) in result? {
            digests[index] = digest;
            total += size;
        }
    }
    Ok((digests, total))
}

fn hash_file(path: &Path, buffer: &mut [u8]) -> io::Result<([u8; 32], u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let n = match file.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hasher.finalize().into(), size))
}

#[cfg(test)]
mod tests;
