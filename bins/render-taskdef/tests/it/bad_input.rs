//! The bad-input matrix: each case exits 2, names the file, container and
//! field, and writes nothing.

use std::fs;

use super::*;

struct Case {
    name: &'static str,
    /// The definition file `td.json` (or `td.yaml` when it starts with `yaml:`).
    file: &'static str,
    args: &'static [&'static str],
    /// Every one must appear in stderr.
    expect: &'static [&'static str],
}

const FARGATE_WEB: &str = r#"{"family": "app", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}, {"name": "worker", "image": "busybox:1", "essential": false}]}"#;

const CASES: &[Case] = &[
    Case {
        name: "unknown container",
        file: FARGATE_WEB,
        args: &["--image", "api=nginx:1.28"],
        expect: &["td.json: --image: unknown container 'api' (containers: web, worker)"],
    },
    Case {
        name: "edit without a container among several",
        file: FARGATE_WEB,
        args: &["--env-var", "A=1"],
        expect: &[
            "td.json: --env-var: the definition has several containers (web, worker); name one as CONTAINER:NAME=VALUE",
        ],
    },
    Case {
        name: "duplicate container names",
        file: r#"{"family": "app", "containerDefinitions": [{"name": "web", "image": "a"}, {"name": "web", "image": "b"}]}"#,
        args: &[],
        expect: &["td.json: containerDefinitions[1].name: duplicate container name 'web'"],
    },
    Case {
        name: "no essential container",
        file: r#"{"family": "app", "containerDefinitions": [{"name": "web", "image": "a", "essential": false}]}"#,
        args: &[],
        expect: &["td.json: containerDefinitions[*].essential: no essential container"],
    },
    Case {
        name: "invalid Fargate cpu/memory pair",
        file: FARGATE_WEB,
        args: &["--memory", "4096"],
        expect: &[
            "td.json: memory: 4096 MiB is not valid with cpu 256 on Fargate (allowed: 512, 1024, 2048)",
        ],
    },
    Case {
        name: "Fargate without awsvpc",
        file: r#"{"family": "app", "networkMode": "bridge", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "web", "image": "a"}]}"#,
        args: &[],
        expect: &["td.json: networkMode: Fargate requires awsvpc, found 'bridge'"],
    },
    Case {
        name: "conflicting port mappings",
        file: r#"{"family": "app", "networkMode": "awsvpc", "containerDefinitions": [
            {"name": "web", "image": "a", "portMappings": [{"containerPort": 8000}]},
            {"name": "api", "image": "b", "portMappings": [{"containerPort": 8000}]}]}"#,
        args: &[],
        expect: &[
            "td.json: containerDefinitions[api].portMappings[0]: port 8000/tcp is already mapped by containerDefinitions[web].portMappings[0]",
        ],
    },
    Case {
        name: "malformed image reference",
        file: FARGATE_WEB,
        args: &["--image", "web=Registry.example.com/Team/App:v1"],
        expect: &["td.json: containerDefinitions[web].image: uppercase letter 'T'"],
    },
    Case {
        name: "malformed role ARN",
        file: FARGATE_WEB,
        args: &["--execution-role-arn", "arn:aws:iam::1234:role/exec"],
        expect: &[
            "td.json: executionRoleArn:",
            "account '1234' is not 12 digits",
        ],
    },
    Case {
        name: "malformed secret ARN",
        file: FARGATE_WEB,
        args: &[
            "--secret",
            "web:DB=arn:aws:secretsmanager:us-east-1:12:secret:db",
        ],
        expect: &[
            "td.json: containerDefinitions[web].secrets[0].valueFrom:",
            "not 12 digits",
        ],
    },
    Case {
        name: "unparsable JSON",
        file: "{\n  \"family\": \"app\",\n  \"containerDefinitions\": [\n    {\"name\": \"web\" \"image\": \"a\"}\n  ]\n}\n",
        args: &[],
        expect: &["td.json:4: cannot parse JSON: expected `,` or `}`"],
    },
    Case {
        name: "unparsable YAML",
        file: "yaml:family: app\ncontainerDefinitions:\n  - name: web\n    image: [a\n",
        args: &[],
        expect: &["td.yaml:", "cannot parse YAML"],
    },
    Case {
        name: "unresolved placeholder with --strict",
        file: r#"{"family": "app", "executionRoleArn": "${EXECUTION_ROLE_ARN}", "containerDefinitions": [{"name": "web", "image": "${IMAGE}"}]}"#,
        args: &["--var", "IMAGE=nginx:1", "--strict"],
        expect: &[
            "td.json: a placeholder left for another step: ${EXECUTION_ROLE_ARN} in executionRoleArn",
            "--var NAME=",
        ],
    },
    Case {
        name: "bad dotenv line",
        file: FARGATE_WEB,
        args: &["--env-file", "web:bad.env"],
        expect: &["bad.env: --env-file: cannot parse line"],
    },
    Case {
        name: "missing file",
        file: FARGATE_WEB,
        args: &["--task-definition", "nope.json"],
        expect: &["cannot read nope.json"],
    },
    Case {
        name: "a flag of the wrong form",
        file: FARGATE_WEB,
        args: &["--secret", "NOVALUE"],
        expect: &["--secret", "expected [CONTAINER:]NAME=VALUE"],
    },
    Case {
        name: "no source",
        file: FARGATE_WEB,
        args: &["--no-source"],
        expect: &["source: give --task-definition FILE"],
    },
];

#[test]
fn each_bad_input_exits_2_names_the_field_and_writes_nothing() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let (name, text) = match case.file.strip_prefix("yaml:") {
            Some(yaml) => ("td.yaml", yaml),
            None => ("td.json", case.file),
        };
        fs::write(dir.path().join(name), text).unwrap();
        fs::write(dir.path().join("bad.env"), "GOOD=1\nthis is not dotenv\n").unwrap();
        let out = dir.path().join("out.json");
        let mut command = tool(dir.path());
        let no_source = case.args == ["--no-source"];
        if !no_source && !case.args.contains(&"--task-definition") {
            command.args(["--task-definition", name]);
        }
        command
            .args(case.args.iter().filter(|a| **a != "--no-source"))
            .arg("--output")
            .arg(&out);
        let run = run(&mut command, "");
        let missing: Vec<_> = case
            .expect
            .iter()
            .filter(|e| !run.stderr.contains(**e))
            .collect();
        if run.code != 2 || !missing.is_empty() || out.exists() {
            failures.push(format!(
                "{}: exit {} (want 2), output written: {}, missing {missing:?} in:\n{}",
                case.name,
                run.code,
                out.exists(),
                run.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn config_mistakes_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("portfolio-ci.yaml"),
        "environments:\n  dev: {}\nservices:\n  backend: {}\n  api:\n    port: 9000\n",
    )
    .unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            // --env defaults to dev, as in every tool.
            &["--service", "backend"],
            "portfolio-ci.yaml: services.backend.task_definition: not set",
        ),
        (
            &["--service", "web", "--env", "dev"],
            "unknown service 'web' (configured: api, backend)",
        ),
        (
            &["--service", "api", "--env", "staging"],
            "unknown environment 'staging' (configured: dev)",
        ),
        (
            &["--service", "api", "--env", "dev"],
            "portfolio-ci.yaml: services.api.task_definition: not set",
        ),
    ];
    for (args, expected) in cases {
        let run = run(tool(dir.path()).args(args), "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn under_github_actions_input_errors_annotate_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("td.json");
    fs::write(&broken, "{\n  \"family\": \"app\",\n  \"cpu\": ,\n}\n").unwrap();
    let dotenv = dir.path().join(".env");
    fs::write(&dotenv, "A=1\n# ok\nTOKEN=$GITHUB_TOKEN\n").unwrap();
    fs::write(
        dir.path().join("portfolio-ci.yaml"),
        "services:\n  backend:\n    prot: 1\n",
    )
    .unwrap();
    let cases: [(Vec<&str>, String); 3] = [
        (
            vec!["-t", broken.to_str().unwrap()],
            format!("::error file={},line=3::", broken.display()),
        ),
        (
            vec![
                "-t",
                broken.to_str().unwrap(),
                "--env-file",
                dotenv.to_str().unwrap(),
            ],
            format!("::error file={},line=3::", dotenv.display()),
        ),
        (
            vec!["--service", "backend", "--env", "dev"],
            "::error file=".to_owned()
                + &dir.path().join("portfolio-ci.yaml").display().to_string()
                + ",line=3::",
        ),
    ];
    for (args, annotation) in cases {
        let run = run(
            tool(dir.path()).env("GITHUB_ACTIONS", "true").args(&args),
            "",
        );
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(&annotation), "{args:?}: {}", run.stderr);
    }
}
