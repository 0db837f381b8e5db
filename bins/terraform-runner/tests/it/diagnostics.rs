//! terraform's diagnostics become log lines and ::error:: annotations that
//! point at the file and line.

use crate::harness::Stack;

#[test]
fn errors_are_annotated_with_file_and_line() {
    let stack = Stack::new();
    std::fs::write(
        stack.path("terraform/broken.tf"),
        "resource \"terraform_data\" \"broken\" {\n  input = var.does_not_exist\n}\n",
    )
    .unwrap();
    let run = stack
        .command(&["plan", "--env", "dev"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains(
            "::error file=terraform/broken.tf,line=2::Reference to undeclared input variable"
        ),
        "{err}"
    );
    assert!(err.contains("terraform plan failed"), "{err}");
}
