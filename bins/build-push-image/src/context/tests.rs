//! Unit tests of the context digest and `.dockerignore` matching.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;

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
    let root = Path::new("/ctx");
    let ignore = matcher(
        root,
        "*.md\n/build\n**/*.log\nsecret/\n!secret/keep.txt\n# comment\n",
    );
    let ignored = |p: &str| is_ignored(&ignore, Path::new(p), false);
    assert!(ignored("README.md"));
    assert!(!ignored("docs/README.md"), "*.md only matches at the root");
    assert!(ignored("build/out.bin"));
    assert!(ignored("a/b/c.log"));
    assert!(ignored("secret/key.pem"));
    assert!(!ignored("secret/keep.txt"), "! re-includes");
    assert!(!ignored("src/main.rs"));
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

#[test]
fn a_dockerignore_beside_the_dockerfile_wins() {
    let dir = context();
    write(dir.path(), ".dockerignore", "docs\n");
    write(dir.path(), "Dockerfile.dockerignore", "app\n");
    let first = hash(dir.path());
    write(dir.path(), "app/main.txt", "changed");
    assert_eq!(first, hash(dir.path()));
    write(dir.path(), "docs/readme.md", "changed");
    assert_ne!(first, hash(dir.path()));
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
