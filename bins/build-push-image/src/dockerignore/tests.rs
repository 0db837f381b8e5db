//! Unit tests of `.dockerignore` parsing, pattern matching and the walk
//! rules of each builder (the differential test against the Docker engine
//! is in `tests/it/dockerignore.rs`).

use std::fs;
use std::path::Path;

use super::*;

fn patterns(text: &str) -> Patterns {
    Patterns::parse(text, Path::new(".dockerignore")).unwrap()
}

fn texts(text: &str) -> Vec<String> {
    patterns(text)
        .patterns
        .iter()
        .map(|p| format!("{}{}", if p.is_exception() { "!" } else { "" }, p.text()))
        .collect()
}

/// The paths of `files` (directories end with `/`) that `flavour` sends
/// with `dockerignore` (the Dockerfile is `Dockerfile` at the root).
fn sent(flavour: Flavour, dockerignore: &str, files: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    fs::write(dir.path().join(".dockerignore"), dockerignore).unwrap();
    for file in files {
        let full = dir.path().join(file);
        if file.ends_with('/') {
            fs::create_dir_all(full).unwrap();
        } else {
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, file).unwrap();
        }
    }
    crate::context::sent_paths(dir.path(), &dir.path().join("Dockerfile"), &[flavour]).unwrap()
}

#[test]
fn lines_are_read_as_docker_reads_them() {
    assert_eq!(
        texts("\u{feff}a\r\n# comment\n  #not-a-comment \n\n ! /b/../c/ \n./d//e/.\n/\n!x\n"),
        ["a", "#not-a-comment", "!c", "d/e", "/", "!x"]
    );
}

#[test]
fn bad_patterns_name_the_file_and_line() {
    for (text, line) in [
        ("a\n!\n", 2),
        ("[a\n", 1),
        ("x\\\n", 1),
        ("[]\n", 1),
        ("!/\n", 1),
    ] {
        let err = Patterns::parse(text, Path::new("ctx/.dockerignore")).unwrap_err();
        assert_eq!(err.line, Some(line), "{text:?}: {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("ctx/.dockerignore:{line}: pattern: ")),
            "{err}"
        );
    }
}

#[test]
fn patterns_match_as_patternmatcher_does() {
    let cases: &[(&str, &str, bool)] = &[
        ("*.md", "README.md", true),
        ("*.md", "docs/README.md", false),
        ("**/*.md", "docs/a/README.md", true),
        ("**/*.md", "README.md", true),
        ("**/node_modules", "node_modules", true),
        ("**/node_modules", "a/node_modules", true),
        ("**", "anything/at/all", true),
        ("docs/**", "docs/a/b", true),
        ("docs/**", "docsx", false),
        ("a/**/b", "a/b", true),
        ("a/**/b", "a/x/y/b", true),
        ("a?c", "abc", true),
        ("a?c", "a/c", false),
        ("[a-c]x", "bx", true),
        ("[^a-c]x", "bx", false),
        ("a.b", "axb", false),
        ("a\\*", "a*", true),
        ("a\\*", "ab", false),
        ("**x", "dir/ax", true),
    ];
    for (pattern, path, expected) in cases {
        let compiled = Pattern::new(pattern).unwrap();
        assert_eq!(compiled.matches(path), *expected, "{pattern} on {path}");
    }
}

#[test]
fn go_clean() {
    for (input, expected) in [
        ("", "."),
        ("a//b/./c/", "a/b/c"),
        ("a/../../b", "../b"),
        ("/../a", "/a"),
        ("/", "/"),
        ("./", "."),
        ("!a/../b", "b"),
    ] {
        assert_eq!(pattern::clean(input), expected, "{input}");
    }
}

#[test]
fn a_pattern_excludes_what_is_below_what_it_matches() {
    let files = ["app/main.rs", "docs/a/b.md", "docs.txt", "x/docs/c"];
    assert_eq!(
        sent(Flavour::BuildKit, "docs\n", &files),
        [
            ".dockerignore",
            "Dockerfile",
            "app",
            "app/main.rs",
            "docs.txt",
            "x",
            "x/docs",
            "x/docs/c"
        ]
    );
}

#[test]
fn a_re_included_file_in_an_excluded_directory_is_sent_with_its_parents() {
    for flavour in Flavour::ALL {
        assert_eq!(
            sent(
                flavour,
                "secret\n!secret/keep/me.txt\n",
                &["secret/key", "secret/keep/me.txt", "secret/keep/no"]
            ),
            [
                ".dockerignore",
                "Dockerfile",
                "secret",
                "secret/keep",
                "secret/keep/me.txt"
            ],
            "{flavour:?}"
        );
    }
}

/// The case of issue 13: Docker (both builders) leaves `keep/a.txt` out,
/// buildah sends it.
#[test]
fn a_glob_then_a_directory_exception() {
    let files = ["keep/a.txt", "keep/b.bin", "top.txt", "other/c.txt"];
    let docker = [".dockerignore", "Dockerfile", "keep", "keep/b.bin", "other"];
    assert_eq!(sent(Flavour::BuildKit, "**/*.txt\n!keep\n", &files), docker);
    assert_eq!(sent(Flavour::Classic, "**/*.txt\n!keep\n", &files), docker);
    assert_eq!(
        sent(Flavour::Buildah, "**/*.txt\n!keep\n", &files),
        [
            ".dockerignore",
            "Dockerfile",
            "keep",
            "keep/a.txt",
            "keep/b.bin",
            "other"
        ]
    );
}

#[test]
fn buildkit_enters_an_excluded_directory_for_a_glob_exception_the_classic_builder_does_not() {
    let files = ["a/keep.txt", "a/drop"];
    assert_eq!(
        sent(Flavour::BuildKit, "a\n!**/keep.txt\n", &files),
        [".dockerignore", "Dockerfile", "a", "a/keep.txt"]
    );
    assert_eq!(
        sent(Flavour::Classic, "a\n!**/keep.txt\n", &files),
        [".dockerignore", "Dockerfile"]
    );
}

#[test]
fn the_classic_builder_drops_an_excluded_dockerfile_and_dockerignore() {
    assert_eq!(sent(Flavour::Classic, "*\n!a\n", &["a", "b"]), ["a"]);
    assert_eq!(sent(Flavour::BuildKit, "*\n!a\n", &["a", "b"]), ["a"]);
    assert_eq!(
        sent(Flavour::Classic, "b\n", &["a", "b"]),
        [".dockerignore", "Dockerfile", "a"]
    );
}
