//! Unit tests of `reference`: image references and ARNs.

use super::*;

#[test]
fn valid_images() {
    for image in [
        "nginx",
        "nginx:1.27-alpine",
        "library/nginx:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/portfolio-dev-backend:v1.2.3",
        "localhost:5000/a/b__c/d-e.f",
        "registry.example.com:443/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "public.ecr.aws/nginx/nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "[::1]:5000/app:v1",
        "ghcr.io/o/r:sha-1a2b3c",
    ] {
        assert_eq!(check_image(image), Ok(()), "{image}");
    }
}

#[test]
fn invalid_images_say_why() {
    let cases = [
        ("", "empty"),
        ("Nginx", "uppercase"),
        ("repo/app:", "tag ''"),
        ("repo/app:-bad", "tag '-bad'"),
        ("repo//app", "empty path component"),
        ("repo/app_", "start and end"),
        ("repo/a...b", "separator '...'"),
        ("repo/app@sha256:xyz", "digest"),
        ("host:port/app", "port 'port'"),
        ("my_host.com/app", "registry host"),
        ("repo/app name", "character ' '"),
    ];
    for (image, why) in cases {
        let err = check_image(image).unwrap_err();
        assert!(err.contains(why), "{image}: {err}");
    }
}

#[test]
fn arns() {
    let arn = parse_arn("arn:aws:iam::123456789012:role/path/exec").unwrap();
    assert_eq!(
        (arn.service, arn.region, arn.account, arn.resource),
        ("iam", "", "123456789012", "role/path/exec")
    );
    assert!(check_role_arn("arn:aws-cn:iam::123456789012:role/x").is_ok());
    assert!(
        check_role_arn("arn:aws:iam::123456789012:user/x")
            .unwrap_err()
            .contains("role/NAME")
    );
    assert!(
        check_role_arn("arn:aws:iam::12345:role/x")
            .unwrap_err()
            .contains("12 digits")
    );
    assert!(
        check_role_arn("exec-role")
            .unwrap_err()
            .contains("not an ARN")
    );
    assert!(
        parse_arn("arn:azure:iam::123456789012:role/x")
            .unwrap_err()
            .contains("partition")
    );
    assert!(
        parse_arn("arn:aws:iam::123456789012:")
            .unwrap_err()
            .contains("resource")
    );
}

#[test]
fn secret_sources() {
    assert!(
        check_secret_source("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf")
            .is_ok()
    );
    assert!(check_secret_source("arn:aws:ssm:us-east-1:123456789012:parameter/app/db").is_ok());
    assert!(check_secret_source("/app/db_password").is_ok());
    assert!(
        check_secret_source("arn:aws:s3:::bucket/key")
            .unwrap_err()
            .contains("s3 ARN")
    );
    assert!(check_secret_source("not a name").is_err());
}
