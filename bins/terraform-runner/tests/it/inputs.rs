//! Local inputs are checked before terraform runs: a bad portfolio-ci.yaml
//! is annotated at its file and line, and a terraform binary that is a
//! path is checked as a path (only a bare name is looked up on PATH).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tempfile::TempDir;

use crate::harness::{Run, runner};

/// A directory with a root module directory and `config` as portfolio-ci.yaml.
fn workdir(config: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("terraform/envs")).unwrap();
    std::fs::write(dir.path().join("terraform/envs/dev.tfvars"), "").unwrap();
    std::fs::write(dir.path().join("portfolio-ci.yaml"), config).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    Run::from(runner(dir, args).output().unwrap())
}

#[test]
fn a_bad_config_file_is_annotated_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.yaml");
    std::fs::write(&config, "terraform:\n  dir: terraform\n  lock_timout: 0s\n").unwrap();
    let config = config.display().to_string();
    let run = Run::from(
        runner(dir.path(), &["plan", "--config", &config])
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap(),
    )
    .exits(2);
    let lines: Vec<&str> = run.stderr.lines().collect();
    // The key path (`terraform`, where the unknown field sits) once.
    let plain = format!(
        "terraform-runner: error: {config}:3: terraform: unknown field `lock_timout`, expected one of"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&plain)),
        "no {plain:?} in:\n{}",
        run.stderr
    );
    let annotation = format!("::error file={config},line=3::");
    assert!(
        lines.iter().any(|l| l.starts_with(&annotation)),
        "no {annotation:?} in:\n{}",
        run.stderr
    );
}

#[test]
fn a_binary_path_that_does_not_exist_is_named_not_looked_up_on_path() {
    let dir = workdir("terraform:\n  dir: terraform\n");
    let run = run_in(dir.path(), &["plan", "--binary", "/nonexistent/terraform"]).exits(2);
    assert!(
        run.stderr
            .contains("terraform-runner: error: --binary: /nonexistent/terraform does not exist"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("on PATH\n"), "{}", run.stderr);

    // The same from portfolio-ci.yaml names the file and the key.
    let dir = workdir("terraform:\n  dir: terraform\n  binary: ./bin/tofu\n");
    let run = run_in(dir.path(), &["plan"]).exits(2);
    assert!(
        run.stderr
            .contains("portfolio-ci.yaml: terraform.binary: ./bin/tofu does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_binary_path_that_is_not_executable_says_so() {
    let dir = workdir("terraform:\n  dir: terraform\n");
    let program = dir.path().join("terraform-copy");
    std::fs::write(&program, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = run_in(dir.path(), &["plan", "--binary", "./terraform-copy"]).exits(2);
    assert!(
        run.stderr
            .contains("--binary: ./terraform-copy is not executable"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bare_binary_name_is_looked_up_on_path() {
    let dir = workdir("terraform:\n  dir: terraform\n");
    let run = run_in(dir.path(), &["plan", "--binary", "no-such-terraform"]).exits(2);
    assert!(
        run.stderr
            .contains("terraform-runner: error: cannot find no-such-terraform on PATH"),
        "{}",
        run.stderr
    );
}
