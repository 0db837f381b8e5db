use super::*;
use proptest::prelude::*;

fn enabled_in(dir: &Path) -> Actions {
    Actions {
        enabled: true,
        output_file: Some(dir.join("output")),
        summary_file: Some(dir.join("summary")),
        path_file: Some(dir.join("path")),
        runner_temp: Some(dir.to_path_buf()),
    }
}

#[test]
fn single_line_output() {
    assert_eq!(output_entry("digest", "sha256:ab"), "digest=sha256:ab\n");
}

#[test]
fn multi_line_output_uses_delimiter() {
    let entry = output_entry("tags", "a\nb");
    let mut lines = entry.lines();
    let head = lines.next().unwrap();
    let delimiter = head.strip_prefix("tags<<").unwrap();
    assert_eq!(lines.next(), Some("a"));
    assert_eq!(lines.next(), Some("b"));
    assert_eq!(lines.next(), Some(delimiter));
}

#[test]
fn outputs_and_summary_are_appended() {
    let dir = tempfile::tempdir().unwrap();
    let actions = enabled_in(dir.path());
    actions.set_output("a", "1").unwrap();
    actions.set_output("b", "2").unwrap();
    actions.append_summary("# Title").unwrap();
    let out = std::fs::read_to_string(dir.path().join("output")).unwrap();
    assert_eq!(out, "a=1\nb=2\n");
    let summary = std::fs::read_to_string(dir.path().join("summary")).unwrap();
    assert_eq!(summary, "# Title\n");
}

#[test]
fn path_additions_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let actions = enabled_in(dir.path());
    actions.add_path(Path::new("/opt/tool/1.0/bin")).unwrap();
    actions.add_path(Path::new("/opt/other")).unwrap();
    let path = std::fs::read_to_string(dir.path().join("path")).unwrap();
    assert_eq!(path, "/opt/tool/1.0/bin\n/opt/other\n");
}

#[test]
fn disabled_runtime_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut actions = enabled_in(dir.path());
    actions.enabled = false;
    actions.set_output("a", "1").unwrap();
    actions.append_summary("x").unwrap();
    actions.add_path(dir.path()).unwrap();
    assert!(!dir.path().join("path").exists());
    assert!(!dir.path().join("output").exists());
    assert!(!dir.path().join("summary").exists());
    assert_eq!(actions.runner_temp(), None);
}

#[test]
fn commands_are_escaped() {
    let line = format_command(
        "error",
        &[("file", "a,b:c.rs".into()), ("line", "3".into())],
        "50% done\nnext",
    );
    assert_eq!(line, "::error file=a%2Cb%3Ac.rs,line=3::50%25 done%0Anext");
}

proptest! {
    #[test]
    fn delimiter_never_occurs_in_value(value in ".*\n.*") {
        let entry = output_entry("x", &value);
        let head = entry.lines().next().unwrap();
        let delimiter = head.strip_prefix("x<<").unwrap();
        prop_assert!(!value.contains(delimiter));
        let tail = format!("\n{delimiter}\n");
        prop_assert!(entry.ends_with(&tail));
    }

    #[test]
    fn escaped_data_is_one_line(message in ".*") {
        let line = format_command("warning", &[], &message);
        prop_assert!(!line.contains('\n') && !line.contains('\r'));
    }
}
