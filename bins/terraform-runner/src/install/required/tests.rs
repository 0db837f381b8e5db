use super::*;
use semver::Version;

fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn every_terraform_block_of_every_file_must_hold() {
    let dir = module(&[
        ("main.tf", "resource \"terraform_data\" \"x\" {}\n"),
        (
            "versions.tf",
            "terraform {\n  required_version = \">= 1.10\"\n}\n",
        ),
        (
            "pin.tf",
            "terraform {\n  required_version = \"< 1.12\"\n}\n",
        ),
        ("notes.txt", "terraform { required_version = \"0.1\" }"),
    ]);
    let (constraint, files) = required_version(dir.path(), &["tf"]).unwrap().unwrap();
    assert_eq!(constraint.to_string(), "< 1.12, >= 1.10");
    let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
    assert_eq!(names, ["pin.tf", "versions.tf"]);
    assert!(constraint.matches(&Version::new(1, 11, 4)));
    assert!(!constraint.matches(&Version::new(1, 12, 0)));
}

#[test]
fn a_module_without_required_version_constrains_nothing() {
    let dir = module(&[("main.tf", "terraform {\n  backend \"s3\" {}\n}\n")]);
    assert!(required_version(dir.path(), &["tf"]).unwrap().is_none());
}

#[test]
fn a_required_version_that_is_not_a_constraint_names_the_file() {
    let dir = module(&[("main.tf", "terraform {\n  required_version = var.v\n}\n")]);
    let err = required_version(dir.path(), &["tf"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("main.tf"), "{err}");
    assert!(err.contains("expected a string"), "{err}");
    let dir = module(&[("main.tf", "terraform {\n  required_version = \"soon\"\n}\n")]);
    let err = required_version(dir.path(), &["tf"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("'soon' is not a version constraint"), "{err}");
}
