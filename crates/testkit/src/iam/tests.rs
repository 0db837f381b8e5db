#![allow(clippy::unwrap_used)]

use super::*;

fn policy(json: &str) -> Policy {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    std::fs::write(&path, json).unwrap();
    Policy::load(&path).unwrap()
}

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Repos", "Effect": "Allow", "Action": ["ecr:Batch*", "ecr:PutImage"],
     "Resource": "arn:aws:ecr:*:*:repository/portfolio-*"},
    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "ecr:BatchDeleteImage", "Resource": "*"},
    {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
     "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
  ]
}"#;

#[test]
fn wildcards_match_actions_case_insensitively_and_resources_exactly() {
    let policy = policy(POLICY);
    assert!(policy.allows("ecr:BatchGetImage"));
    assert!(policy.allows("ECR:batchgetimage"));
    assert!(policy.allows_on(
        "ecr:PutImage",
        "arn:aws:ecr:us-east-1:123456789012:repository/portfolio-dev-backend"
    ));
    assert!(!policy.allows_on(
        "ecr:PutImage",
        "arn:aws:ecr:us-east-1:123456789012:repository/other"
    ));
    assert!(!policy.allows_on(
        "ecr:PutImage",
        "arn:aws:ecr:us-east-1:123456789012:repository/Portfolio-dev"
    ));
    assert!(!policy.allows("ecr:DescribeImages"));
}

#[test]
fn a_deny_wins_over_an_allow() {
    let policy = policy(POLICY);
    assert!(!policy.allows("ecr:BatchDeleteImage"));
    assert_eq!(
        policy.missing(["ecr:BatchDeleteImage", "ecr:PutImage", "ecs:RunTask"]),
        ["ecr:BatchDeleteImage", "ecs:RunTask"]
    );
}

#[test]
fn statements_are_labelled_and_conditions_read() {
    let policy = policy(POLICY);
    let labels: Vec<String> = policy.labelled().map(|(label, _)| label).collect();
    assert_eq!(labels, ["Repos", "#2", "NoDelete", "Pass"]);
    let pass = &policy.statements[3];
    assert_eq!(
        pass.condition_values("iam:PassedToService"),
        ["ecs-tasks.amazonaws.com"]
    );
    assert!(pass.condition_values("ecs:cluster").is_empty());
    assert_eq!(
        policy.allowed_actions().into_iter().collect::<Vec<_>>(),
        [
            "ecr:Batch*",
            "ecr:GetAuthorizationToken",
            "ecr:PutImage",
            "iam:PassRole"
        ]
    );
}

#[test]
fn a_document_with_an_unknown_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}"#,
    )
    .unwrap();
    let err = Policy::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("bad.json: not an IAM policy document"),
        "{err}"
    );
}

#[test]
fn the_shipped_policies_load() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(policies_dir()).unwrap() {
        let path = entry.unwrap().path();
        let policy = Policy::load(&path).unwrap();
        assert_eq!(policy.version, "2012-10-17", "{}", path.display());
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    names.sort();
    assert!(names.contains(&"deploy.json".to_owned()), "{names:?}");
}
