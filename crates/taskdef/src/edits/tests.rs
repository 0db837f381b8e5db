//! Unit tests of `edits`: the flag syntax and dotenv files.

use std::io::Write;

use super::*;

#[test]
fn image_with_and_without_container() {
    assert_eq!(
        parse_image("nginx:1.27").unwrap(),
        Target::default_container("nginx:1.27".to_owned())
    );
    assert_eq!(
        parse_image("web=repo/web@sha256:abc").unwrap(),
        Target::container("web", "repo/web@sha256:abc".to_owned())
    );
    assert!(parse_image("not a name=img").is_err());
    assert!(parse_image("web=").is_err());
    assert!(parse_image("").is_err());
}

#[test]
fn container_pairs_split_on_the_first_equals_and_a_name_prefix() {
    assert_eq!(
        parse_container_pair("backend:LOG=a=b").unwrap(),
        Target::container("backend", Pair::new("LOG", "a=b"))
    );
    assert_eq!(
        parse_container_pair("DATABASE_URL=postgres://u:p@h/db").unwrap(),
        Target::default_container(Pair::new("DATABASE_URL", "postgres://u:p@h/db"))
    );
    assert_eq!(
        parse_container_pair("EMPTY=").unwrap(),
        Target::default_container(Pair::new("EMPTY", ""))
    );
    assert!(parse_container_pair("NOVALUE").is_err());
    assert!(parse_container_pair("web:=x").is_err());
    assert_eq!(
        parse_container_name("web:OLD").unwrap(),
        Target::container("web", "OLD".to_owned())
    );
    assert!(parse_pair("=x").is_err());
}

#[test]
fn commands_split_like_a_shell_or_parse_as_json() {
    assert_eq!(
        parse_command("uvicorn app.main:app --port 8000").unwrap(),
        Target::default_container(vec![
            "uvicorn".into(),
            "app.main:app".into(),
            "--port".into(),
            "8000".into()
        ])
    );
    assert_eq!(
        parse_command(r#"web:sh -c "echo 'a b'""#).unwrap(),
        Target::container("web", vec!["sh".into(), "-c".into(), "echo 'a b'".into()])
    );
    assert_eq!(
        parse_command(r#"web:["python", "-m", "app"]"#).unwrap(),
        Target::container("web", vec!["python".into(), "-m".into(), "app".into()])
    );
    assert!(parse_command("sh -c 'unbalanced").is_err());
    assert!(parse_command("[1, 2]").is_err());
    assert!(parse_command("web:").is_err());
}

#[test]
fn env_file_prefix_is_a_container_name_only() {
    assert_eq!(
        parse_env_file("web:.env").unwrap(),
        Target::container("web", ".env".to_owned())
    );
    assert_eq!(
        parse_env_file("./dir:x/.env").unwrap(),
        Target::default_container("./dir:x/.env".to_owned())
    );
}

#[test]
fn dotenv_files_add_variables_in_order() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "# comment\nA=1\nexport B=\"two words\"\nC='x=y'").unwrap();
    let mut edits = Edits::new();
    edits.add_env_file(Some("web"), file.path()).unwrap();
    let names: Vec<_> = edits
        .env
        .iter()
        .map(|t| {
            (
                t.container.as_deref(),
                t.value.name.as_str(),
                t.value.value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (Some("web"), "A", "1"),
            (Some("web"), "B", "two words"),
            (Some("web"), "C", "x=y")
        ]
    );
}

#[test]
fn a_bad_dotenv_line_names_the_file() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "GOOD=1\nthis is not dotenv").unwrap();
    let err = Edits::new().add_env_file(None, file.path()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&file.path().display().to_string()) && text.contains("--env-file"),
        "{text}"
    );
    let missing = Edits::new()
        .add_env_file(None, Path::new("/nonexistent/.env"))
        .unwrap_err();
    assert!(matches!(missing, Error::Read { .. }), "{missing:?}");
}

#[test]
fn builder() {
    assert_eq!(Edits::new(), Edits::default());
    let edits = Edits::new().image("a").container_image("web", "b");
    assert_eq!(edits.images[0], Target::default_container("a".to_owned()));
    assert_eq!(edits.images[1], Target::container("web", "b".to_owned()));
}

#[test]
fn dotenv_values_never_take_this_runs_environment() {
    // PATH is set in every test process: a substituting dotenv parser would
    // copy it into the task definition.
    for line in [
        "TOKEN=$PATH",
        "TOKEN=\"prefix-${PATH}\"",
        "export TOKEN=a$PATH",
        "TOKEN=\"multi\n$PATH\"",
        "PRICE=5$",
    ] {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "# $PATH in a comment is fine\nA=1\n{line}").unwrap();
        let err = Edits::new()
            .add_env_file(None, file.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--env-file") && err.contains("single quotes") && !err.contains("/usr"),
            "{line}: {err}"
        );
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "PRICE='5$'\nLITERAL='$PATH and ${{PATH}}'").unwrap();
    let mut edits = Edits::new();
    edits.add_env_file(None, file.path()).unwrap();
    let values: Vec<_> = edits.env.iter().map(|t| t.value.value.as_str()).collect();
    assert_eq!(values, ["5$", "$PATH and ${PATH}"]);
}

#[test]
fn s3_environment_files_log_drivers_and_container_lists() {
    let file = parse_s3_environment_file("arn:aws:s3:::bucket/dir/app.env").unwrap();
    assert_eq!(
        file,
        Target::default_container("arn:aws:s3:::bucket/dir/app.env".to_owned())
    );
    let file = parse_s3_environment_file("web:arn:aws-cn:s3:::bucket/app.env").unwrap();
    assert_eq!(
        file,
        Target::container("web", "arn:aws-cn:s3:::bucket/app.env".to_owned())
    );
    for bad in [
        "app.env",
        "web:app.env",
        "arn:aws:s3:::bucket",
        "arn:aws:ssm:::bucket/a",
    ] {
        assert!(
            parse_s3_environment_file(bad)
                .unwrap_err()
                .contains("S3 object"),
            "{bad}"
        );
    }
    assert_eq!(
        parse_log_driver("web:splunk").unwrap(),
        Target::container("web", "splunk".to_owned())
    );
    assert!(
        parse_log_driver("syslogd")
            .unwrap_err()
            .contains("awslogs, awsfirelens")
    );
    assert_eq!(parse_container(" web ").unwrap(), "web");
    assert!(parse_container("").is_err());
}
