//! Unit tests of the context digest and `.dockerignore` matching.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;
use crate::dockerignore::Flavour;

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(full, text).unwrap();
}

fn context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM scratch\nCOPY . /\n");
    write(dir.path(), "app/main.txt", "hello");
    write(dir.path(), "docs/readme.md", "docs");
    dir
}

fn hash(dir: &Path) -> String {
    digest(dir, &dir.join("Dockerfile"), &BuildInputs::default())
        .unwrap()
        .hex
}

#[test]
fn dockerignore_patterns_are_anchored_at_the_context_root() {
    let dir = context();
    write(dir.path(), "README.md", "readme");
    write(dir.path(), "build/out.bin", "out");
    write(dir.path(), "a/b/c.log", "log");
    write(dir.path(), "secret/key.pem", "key");
    write(dir.path(), "secret/keep.txt", "keep");
    write(
        dir.path(),
        ".dockerignore",
        "*.md\n/build\n**/*.log\nsecret/\n!secret/keep.txt\n# comment\n",
    );
    let sent = sent_paths(dir.path(), &dir.path().join("Dockerfile"), &Flavour::ALL).unwrap();
    assert_eq!(
        sent,
        [
            ".dockerignore",
            "Dockerfile",
            "a",
            "a/b",
            "app",
            "app/main.txt",
            "docs",
            "docs/readme.md",
            "secret",
            "secret/keep.txt"
        ]
    );
}

/// Issue 13: buildah sends `keep/a.txt` for `**/*.txt` then `!keep`, so the
/// digest must follow it, whichever builder runs.
#[test]
fn a_file_any_builder_sends_changes_the_digest() {
    let dir = context();
    write(dir.path(), ".dockerignore", "**/*.txt\n!keep\n");
    write(dir.path(), "keep/a.txt", "one");
    let first = hash(dir.path());
    write(dir.path(), "keep/a.txt", "two");
    assert_ne!(first, hash(dir.path()));
}

#[test]
fn a_bad_pattern_is_refused_with_its_file_and_line() {
    let dir = context();
    write(dir.path(), ".dockerignore", "ok\n[oops\n");
    let err = digest(
        dir.path(),
        &dir.path().join("Dockerfile"),
        &BuildInputs::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(".dockerignore:2: pattern: "),
        "{err}"
    );
}

#[test]
fn the_digest_is_stable_and_follows_content() {
    let dir = context();
    let first = hash(dir.path());
    assert_eq!(first, hash(dir.path()));
    write(dir.path(), "app/main.txt", "hello!");
    assert_ne!(first, hash(dir.path()));
}

#[test]
fn ignored_files_do_not_change_the_digest_but_the_dockerignore_does() {
    let dir = context();
    write(dir.path(), ".dockerignore", "docs\n");
    let first = hash(dir.path());
    write(dir.path(), "docs/readme.md", "changed docs");
    write(dir.path(), "docs/new.md", "new");
    assert_eq!(first, hash(dir.path()));
    write(dir.path(), ".dockerignore", "docs\n*.tmp\n");
    assert_ne!(first, hash(dir.path()));
}

/// BuildKit and buildah read `Dockerfile.dockerignore` first, Docker's
/// classic builder only `.dockerignore`: the digest follows both.
#[test]
fn a_dockerignore_beside_the_dockerfile_wins_except_for_the_classic_builder() {
    let dir = context();
    write(dir.path(), ".dockerignore", "docs\n");
    write(dir.path(), "Dockerfile.dockerignore", "app\n");
    let dockerfile = dir.path().join("Dockerfile");
    let sent = |flavour| sent_paths(dir.path(), &dockerfile, &[flavour]).unwrap();
    let beside = [
        ".dockerignore",
        "Dockerfile",
        "Dockerfile.dockerignore",
        "docs",
        "docs/readme.md",
    ];
    assert_eq!(sent(Flavour::BuildKit), beside);
    assert_eq!(sent(Flavour::Buildah), beside);
    assert_eq!(
        sent(Flavour::Classic),
        [
            ".dockerignore",
            "Dockerfile",
            "Dockerfile.dockerignore",
            "app",
            "app/main.txt"
        ]
    );
    let first = hash(dir.path());
    write(dir.path(), "app/main.txt", "changed");
    let second = hash(dir.path());
    assert_ne!(first, second);
    write(dir.path(), "docs/readme.md", "changed");
    assert_ne!(second, hash(dir.path()));
}

#[test]
fn mode_paths_links_and_inputs_all_count() {
    let dir = context();
    let base = hash(dir.path());
    let file = dir.path().join("app/main.txt");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).unwrap();
    let executable = hash(dir.path());
    assert_ne!(base, executable);
    fs::rename(&file, dir.path().join("app/other.txt")).unwrap();
    let renamed = hash(dir.path());
    assert_ne!(executable, renamed);
    std::os::unix::fs::symlink("other.txt", dir.path().join("app/link")).unwrap();
    assert_ne!(renamed, hash(dir.path()));

    let dockerfile = dir.path().join("Dockerfile");
    let plain = digest(dir.path(), &dockerfile, &BuildInputs::default()).unwrap();
    let variants = [
        BuildInputs {
            build_args: vec![("A".into(), "1".into())],
            ..BuildInputs::default()
        },
        BuildInputs {
            target: Some("prod".into()),
            ..BuildInputs::default()
        },
        BuildInputs {
            platform: Some("linux/arm64".into()),
            ..BuildInputs::default()
        },
        BuildInputs {
            labels: vec![("team".into(), "web".into())],
            ..BuildInputs::default()
        },
        BuildInputs {
            extra: vec![("annotation:team".into(), "web".into())],
            ..BuildInputs::default()
        },
    ];
    let mut seen = vec![plain.hex.clone()];
    for inputs in variants {
        let hex = digest(dir.path(), &dockerfile, &inputs).unwrap().hex;
        assert!(!seen.contains(&hex), "{inputs:?} must change the digest");
        seen.push(hex);
    }
    assert!(plain.tag().starts_with("ctx-") && plain.tag().len() == 16);
}

#[test]
fn parallel_hashing_matches_sha256_per_file_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..20)
        .map(|i| {
            let path = dir.path().join(format!("f{i}"));
            fs::write(&path, vec![i as u8; 1000 * i]).unwrap();
            path
        })
        .collect();
    let (digests, bytes) = hash_files(&files).unwrap();
    for (path, got) in files.iter().zip(&digests) {
        let expected: [u8; 32] = Sha256::digest(fs::read(path).unwrap()).into();
        assert_eq!(&expected, got);
    }
    assert_eq!(bytes, (0..20).map(|i| 1000 * i as u64).sum::<u64>());
}

#[test]
fn an_unreadable_context_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = digest(
        &dir.path().join("missing"),
        &dir.path().join("Dockerfile"),
        &BuildInputs::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Dockerfile"), "{err}");
}
