//! Differential test of `.dockerignore`: generated pattern sets over a
//! generated tree, built by the Docker engine (`COPY . /ctx` from
//! scratch, nothing pulled), what reached the image compared with what
//! build-push-image hashes for that builder. Docker must be running: the
//! test fails without it.

use std::fs;
use std::path::Path;
use std::process::Command;

use build_push_image::context::sent_paths;
use build_push_image::dockerignore::Flavour;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Which builder `docker build` uses here: BuildKit with buildx, else the
/// classic builder.
fn engine_flavour() -> Flavour {
    let buildx = Command::new("docker")
        .args(["buildx", "version"])
        .output()
        .expect("docker must be installed");
    if buildx.status.success() {
        Flavour::BuildKit
    } else {
        Flavour::Classic
    }
}

fn docker(args: &[&str]) -> Vec<u8> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker must be installed");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Removes the image and container of one build, also when the test fails.
struct Built {
    image: String,
    container: Option<String>,
}

impl Drop for Built {
    fn drop(&mut self) {
        if let Some(container) = &self.container {
            let _ = Command::new("docker").args(["rm", container]).output();
        }
        let _ = Command::new("docker").args(["rmi", &self.image]).output();
    }
}

/// What `COPY . /ctx` of `context` put in the image, relative, sorted.
fn engine_paths(context: &Path) -> Vec<String> {
    let context = context.to_str().unwrap();
    let out = docker(&["build", "--quiet", "--no-cache", context]);
    let image = String::from_utf8_lossy(&out)
        .trim()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let mut built = Built {
        image,
        container: None,
    };
    let container = docker(&["create", &built.image, "none"]);
    built.container = Some(String::from_utf8_lossy(&container).trim().to_owned());
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("fs.tar");
    let tar = tar.to_str().unwrap();
    docker(&[
        "export",
        "--output",
        tar,
        built.container.as_deref().unwrap(),
    ]);
    let listing = Command::new("tar").args(["-tf", tar]).output().unwrap();
    assert!(listing.status.success());
    let mut paths: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("ctx/"))
        .map(|path| path.trim_end_matches('/').to_owned())
        .filter(|path| !path.is_empty())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Writes the tree (`name/` is an empty directory) and the files of the
/// build, and compares the engine with our selection.
fn check(tree: &[String], dockerignore: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("Dockerfile"), "FROM scratch\nCOPY . /ctx\n").unwrap();
    fs::write(root.join(".dockerignore"), dockerignore).unwrap();
    for path in tree {
        let full = root.join(path);
        if path.ends_with('/') {
            let _ = fs::create_dir_all(full);
        } else if full.parent().is_some_and(|p| fs::create_dir_all(p).is_ok()) && !full.is_dir() {
            fs::write(full, path).unwrap();
        }
    }
    let ours = sent_paths(root, &root.join("Dockerfile"), &[engine_flavour()]).unwrap();
    let engine = engine_paths(root);
    prop_assert_eq!(ours, engine, "\n.dockerignore:\n{}", dockerignore);
    Ok(())
}

const NAMES: &[&str] = &["a", "b", "keep", "x.txt", "y.md"];
const PARTS: &[&str] = &[
    "a", "b", "keep", "x.txt", "*", "**", "*.txt", "?.md", "[ab]", "k*",
];

fn tree() -> impl Strategy<Value = Vec<String>> {
    let path = (
        prop::collection::vec(prop::sample::select(NAMES), 1..4),
        any::<bool>(),
    )
        .prop_map(|(parts, dir)| format!("{}{}", parts.join("/"), if dir { "/" } else { "" }));
    prop::collection::vec(path, 4..14)
}

fn dockerignore() -> impl Strategy<Value = String> {
    let line = (
        any::<bool>(),
        prop::sample::select(&["", "/", "./"][..]),
        prop::collection::vec(prop::sample::select(PARTS), 1..4),
        any::<bool>(),
    )
        .prop_map(|(bang, lead, parts, slash)| {
            format!(
                "{}{lead}{}{}",
                if bang { "!" } else { "" },
                parts.join("/"),
                if slash { "/" } else { "" }
            )
        });
    prop::collection::vec(line, 1..5).prop_map(|lines| lines.join("\n") + "\n")
}

proptest! {
    #![proptest_config(Config {
        cases: 32,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })]

    #[test]
    fn the_engine_receives_what_we_hash(tree in tree(), dockerignore in dockerignore()) {
        check(&tree, &dockerignore)?;
    }
}

/// The cases where builders or gitignore disagree, each once against the
/// engine.
#[test]
fn known_corner_cases_agree_with_the_engine() {
    let tree: Vec<String> = [
        "keep/a.txt",
        "keep/b.bin",
        "top.txt",
        "other/c.txt",
        "a/keep.txt",
        "a/drop",
        "secret/keep/me.txt",
        "secret/key",
        "docs/a/b.md",
        "x/docs/c",
    ]
    .map(String::from)
    .to_vec();
    for dockerignore in [
        "**/*.txt\n!keep\n",
        "a\n!**/keep.txt\n",
        "secret\n!secret/keep/me.txt\n",
        "*\n!a\n",
        "docs\n",
        "**\n!keep/\n",
        "*/\n!*/keep*\n",
        "/keep/../top.txt\n",
    ] {
        check(&tree, dockerignore).unwrap();
    }
}
