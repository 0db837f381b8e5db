//! The `run:` scripts of every composite action pass shellcheck (actionlint
//! checks the workflows' scripts, but not those inside action.yml files).

use std::process::Command;

use serde_yaml_ng::Value;

/// `${{ expr }}` cannot reach shellcheck: stand in a plain word for it.
fn without_expressions(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        if let Some(end) = rest[start..].find("}}") {
            out.push_str("EXPRESSION");
            rest = &rest[start + end + 2..];
        } else {
            rest = &rest[start..];
            break;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn composite_action_scripts_pass_shellcheck() {
    let root = e2e::repo_root();
    let scratch = tempfile::tempdir().unwrap();
    let mut checked = 0;
    let mut actions: Vec<_> = std::fs::read_dir(root.join("actions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("action.yml").is_file())
        .collect();
    actions.sort();
    for dir in actions {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let yaml: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(dir.join("action.yml")).unwrap())
                .unwrap();
        for (i, step) in yaml["runs"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .enumerate()
        {
            let Some(script) = step.get("run").and_then(Value::as_str) else {
                continue;
            };
            assert_eq!(
                step.get("shell").and_then(Value::as_str),
                Some("bash"),
                "{name} step {i}: composite steps must say shell: bash"
            );
            // Placed in actions/<name>/ so that `source "$ACTION_PATH/../lib/args.sh"`
            // resolves with shellcheck's source-path.
            let file = scratch.path().join(format!("{name}-{i}.sh"));
            // The runner exports the step's env before the script runs.
            let mut text = String::from("#!/usr/bin/env bash\n");
            if let Some(env) = step.get("env").and_then(Value::as_mapping) {
                for key in env.keys().filter_map(Value::as_str) {
                    text.push_str(&format!("export {key}=EXPRESSION\n"));
                }
            }
            text.push_str(&without_expressions(script));
            std::fs::write(&file, text).unwrap();
            let output = Command::new("shellcheck")
                .arg("--external-sources")
                .arg(format!("--source-path={}", root.display()))
                .arg(&file)
                .output()
                .expect("shellcheck is installed (scripts/test installs it)");
            assert!(
                output.status.success(),
                "{name} step {i}:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} scripts found");
}

#[test]
fn shellcheck_sees_a_broken_script() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.sh");
    std::fs::write(
        &file,
        format!("#!/usr/bin/env bash\n{}", without_expressions("cd $DIR\n")),
    )
    .unwrap();
    let status = Command::new("shellcheck").arg(&file).status().unwrap();
    assert!(!status.success(), "an unquoted variable must be reported");
}
