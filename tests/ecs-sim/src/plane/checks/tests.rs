//! Unit tests of image references and secret sources.

use super::RegistryAccess;
use super::image::ImageRef;
use super::secrets::Source;

#[test]
fn references_parse_as_containerd_reads_them() {
    let r = ImageRef::parse("nginx").unwrap();
    assert_eq!(r.full_name(), "docker.io/library/nginx:latest");
    let r = ImageRef::parse("127.0.0.1:5000/portfolio-dev-backend:abc").unwrap();
    assert_eq!(
        (r.host.as_str(), r.repository.as_str(), r.reference()),
        ("127.0.0.1:5000", "portfolio-dev-backend", "abc")
    );
    let digest = format!("sha256:{}", "a".repeat(64));
    let r = ImageRef::parse(&format!(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b@{digest}"
    ))
    .unwrap();
    assert!(r.is_ecr());
    assert_eq!(r.reference(), digest);
    assert_eq!(r.repository, "a/b");
    assert!(ImageRef::parse("").is_none());
    assert!(ImageRef::parse("repo:").is_none());
    assert!(ImageRef::parse("a b").is_none());
    assert!(!ImageRef::parse("ecr.example.com/x").unwrap().is_ecr());
}

#[test]
fn a_registry_serves_its_host_and_ecr_names_only() {
    let registry = RegistryAccess::inferred("127.0.0.1:5000");
    assert!(registry.insecure);
    assert!(!RegistryAccess::inferred("registry.example.com:443").insecure);
    let served = |image: &str| ImageRef::parse(image).unwrap().served_by(&registry);
    assert!(served("127.0.0.1:5000/x:1"));
    assert!(served("123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1"));
    assert!(!served("127.0.0.1:5001/x:1"));
    assert!(!served("nginx:1"));
}

#[test]
fn value_from_names_ssm_or_secrets_manager() {
    assert_eq!(
        Source::parse("/app/db"),
        Source::Ssm {
            region: None,
            name: "/app/db".into()
        }
    );
    assert_eq!(
        Source::parse("arn:aws:ssm:eu-west-1:123456789012:parameter/app/db"),
        Source::Ssm {
            region: Some("eu-west-1".into()),
            name: "/app/db".into()
        }
    );
    assert_eq!(
        Source::parse("arn:aws:ssm:eu-west-1:123456789012:parameter/flat"),
        Source::Ssm {
            region: Some("eu-west-1".into()),
            name: "flat".into()
        }
    );
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
    assert_eq!(
        Source::parse(&format!("{arn}:password::")),
        Source::Asm {
            region: "us-east-1".into(),
            secret_id: arn.into(),
            json_key: Some("password".into()),
            version_stage: None,
            version_id: None,
        }
    );
    assert_eq!(
        Source::parse(&format!("{arn}::AWSPREVIOUS:")),
        Source::Asm {
            region: "us-east-1".into(),
            secret_id: arn.into(),
            json_key: None,
            version_stage: Some("AWSPREVIOUS".into()),
            version_id: None,
        }
    );
}
