//! Against moto_server: apply (put/get policy, idempotent), preview from
//! DescribeImages, enforce with BatchDeleteImage and --max-delete, and
//! image index children found with BatchGetImage.

use portfolio_testkit::Moto;
use serde_json::json;

use crate::harness::{
    INDEX, MANIFEST, assert_calls_allowed, create_repository, digests, ecr_client, enforce, index,
    listed, manifest, put, run, with_policy, write,
};

/// Environment for the binary: moto for every service, ECS included
/// (moto answers ClusterNotFound for the default clusters until a test
/// creates them).
fn env(moto: &Moto) -> Vec<(&'static str, String)> {
    moto.env()
}

/// Creates ECS clusters in moto, in `region` (default: the test region).
async fn create_clusters(moto: &Moto, region: Option<&str>, names: &[&str]) {
    let sdk = portfolio_testkit::sdk_config(moto.endpoint()).await;
    let mut config = aws_sdk_ecs::config::Builder::from(&sdk);
    if let Some(region) = region {
        config = config.region(aws_sdk_ecs::config::Region::new(region.to_owned()));
    }
    let ecs = aws_sdk_ecs::Client::from_conf(config.build());
    for name in names {
        ecs.create_cluster()
            .cluster_name(*name)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_puts_the_policy_once_and_then_reports_unchanged() {
    let moto = Moto::start().unwrap();
    let ecr = ecr_client(moto.endpoint()).await;
    create_repository(&ecr, "portfolio-dev-backend").await;
    let dir = tempfile::tempdir().unwrap();
    let env = env(&moto);

    let first = run(
        dir.path(),
        &env,
        &["apply", "--repository", "portfolio-dev-backend", "--json"],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let json = first.json();
    assert_eq!(json["repositories"][0]["changed"], true);
    assert_eq!(json["repositories"][0]["applied"], true);
    let text = ecr
        .get_lifecycle_policy()
        .repository_name("portfolio-dev-backend")
        .send()
        .await
        .unwrap()
        .lifecycle_policy_text()
        .unwrap()
        .to_owned();
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        stored["rules"][0]["selection"]["tagPrefixList"],
        json!(["v"])
    );
    assert_eq!(stored["rules"][1]["selection"]["countNumber"], 7);

    let second = run(
        dir.path(),
        &env,
        &["apply", "--repository", "portfolio-dev-backend", "--json"],
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.json()["repositories"][0]["changed"], false);

    // A different policy as YAML, dry run: the difference is shown, nothing is put.
    let policy = write(
        dir.path(),
        "p.yaml",
        "rules:\n  - rulePriority: 1\n    selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 3}\n    action: {type: expire}\n",
    );
    let dry = run(
        dir.path(),
        &env,
        &[
            "apply",
            "--repository",
            "portfolio-dev-backend",
            "--policy",
            policy.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stderr.contains("would change"), "{}", dry.stderr);
    assert!(
        dry.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("- ") && l.contains(r#""tagStatus": "tagged""#)),
        "{}",
        dry.stderr
    );
    let after = ecr
        .get_lifecycle_policy()
        .repository_name("portfolio-dev-backend")
        .send()
        .await
        .unwrap();
    assert_eq!(after.lifecycle_policy_text(), Some(text.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_all_services_covers_every_configured_repository() {
    let moto = Moto::start().unwrap();
    let ecr = ecr_client(moto.endpoint()).await;
    for repository in ["portfolio-dev-backend", "portfolio-dev-frontend"] {
        create_repository(&ecr, repository).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &env(&moto),
        &["apply", "--all-services", "--env", "dev", "--json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let names: Vec<&str> = json["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["portfolio-dev-backend", "portfolio-dev-frontend"]);
}

/// 12 `v*` images and 3 untagged ones; a policy that keeps 10 `v*` and 1
/// untagged image (count rules: moto stamps every push with "now").
async fn seeded(moto: &Moto, repository: &str) -> (aws_sdk_ecr::Client, Vec<String>) {
    let ecr = ecr_client(moto.endpoint()).await;
    create_repository(&ecr, repository).await;
    let mut all = Vec::new();
    for i in 0..12 {
        all.push(
            put(
                &ecr,
                repository,
                &manifest(&format!("v{i}")),
                MANIFEST,
                Some(&format!("v{i}")),
            )
            .await,
        );
    }
    for i in 0..3 {
        all.push(
            put(
                &ecr,
                repository,
                &manifest(&format!("untagged {i}")),
                MANIFEST,
                None,
            )
            .await,
        );
    }
    (ecr, all)
}

const KEEP_10_AND_1: &str = r#"{"rules":[
  {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}},
  {"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn preview_then_enforce_deletes_exactly_the_preview() {
    let moto = Moto::start().unwrap();
    let repository = "portfolio-dev-backend";
    let (ecr, all) = seeded(&moto, repository).await;
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", KEEP_10_AND_1);
    let policy = policy.to_str().unwrap();
    let env = env(&moto);

    let preview = with_policy(dir.path(), &env, "preview", repository, policy, &["--json"]);
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    let json = preview.json();
    let expire = listed(&json, "expire");
    assert_eq!(expire.len(), 4, "{json}");
    assert_eq!(json["images"], 15);
    assert_eq!(json["rules"][0]["acted"], 2);
    assert_eq!(json["rules"][1]["acted"], 2);
    assert_eq!(json["apiCalls"]["ecr:DescribeImages"], 1);
    assert!(
        json["notes"]
            .to_string()
            .contains("cluster portfolio-dev does not exist"),
        "{json}"
    );

    // Dry run: nothing deleted.
    let dry = run(
        dir.path(),
        &env,
        &[
            "enforce",
            "--repository",
            repository,
            "--policy",
            policy,
            "--json",
        ],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(dry.json()["executed"], false);
    assert_eq!(digests(&ecr, repository).await.len(), 15);

    // The configured clusters (portfolio-dev, portfolio-prod) do not exist:
    // deleting now would ignore what they run, so --execute refuses.
    let unprotected = enforce(dir.path(), &env, repository, policy, &[]);
    assert_eq!(unprotected.code, 6, "{}", unprotected.stderr);
    assert!(
        unprotected
            .stderr
            .contains("cluster portfolio-dev, portfolio-prod could not be read"),
        "{}",
        unprotected.stderr
    );
    assert_eq!(digests(&ecr, repository).await.len(), 15);
    create_clusters(&moto, None, &["portfolio-dev", "portfolio-prod"]).await;

    // More than --max-delete: refused with exit 4, nothing deleted.
    let refused = enforce(dir.path(), &env, repository, policy, &["--max-delete", "3"]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("refusing to delete 4 of 15"),
        "{}",
        refused.stderr
    );
    assert_eq!(digests(&ecr, repository).await.len(), 15);

    let done = enforce(dir.path(), &env, repository, policy, &["--json"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let json = done.json();
    let mut deleted: Vec<String> = json["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect();
    deleted.sort();
    assert_eq!(deleted, expire, "{json}");
    assert_eq!(json["apiCalls"]["ecr:BatchDeleteImage"], 1);
    let calls = assert_calls_allowed(&json);
    assert!(calls.contains(&"ecs:ListServices".to_owned()), "{calls:?}");
    let mut left: Vec<String> = all.into_iter().filter(|d| !expire.contains(d)).collect();
    left.sort();
    assert_eq!(digests(&ecr, repository).await, left);
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_uses_the_repository_policy_and_protects_index_children() {
    let moto = Moto::start().unwrap();
    let repository = "portfolio-dev-frontend";
    let ecr = ecr_client(moto.endpoint()).await;
    create_repository(&ecr, repository).await;
    let amd64 = put(&ecr, repository, &manifest("amd64"), MANIFEST, None).await;
    let arm64 = put(&ecr, repository, &manifest("arm64"), MANIFEST, None).await;
    let multi = put(
        &ecr,
        repository,
        &index(&[amd64.clone(), arm64.clone()]),
        INDEX,
        Some("v1"),
    )
    .await;
    let stray = put(&ecr, repository, &manifest("stray"), MANIFEST, None).await;
    ecr.put_lifecycle_policy()
        .repository_name(repository)
        .lifecycle_policy_text(
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Two days on, every untagged image is a target of the rule.
    let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let out = run(
        dir.path(),
        &env(&moto),
        &[
            "preview",
            "--repository",
            repository,
            "--now",
            &later,
            "--json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert!(
        json["policySource"]
            .as_str()
            .unwrap()
            .contains("current lifecycle policy"),
        "{json}"
    );
    assert_eq!(json["apiCalls"]["ecr:BatchGetImage"], 1, "{json}");
    // The platform children of the tagged index are protected; only the
    // stray untagged image expires; the index is not selected at all.
    assert_eq!(listed(&json, "expire"), [stray], "{json}");
    let mut children = vec![amd64, arm64];
    children.sort();
    assert_eq!(listed(&json, "protected"), children, "{json}");
    assert!(!json.to_string().contains(&multi), "{json}");
    assert!(
        json["protected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("listed by image index"),
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_environment_is_worked_on_in_its_own_region() {
    let moto = Moto::start().unwrap();
    let region = "eu-west-1";
    let sdk = portfolio_testkit::sdk_config(moto.endpoint()).await;
    let ecr = aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::config::Builder::from(&sdk)
            .region(aws_sdk_ecr::config::Region::new(region))
            .build(),
    );
    for repository in ["portfolio-dev-backend", "portfolio-dev-frontend"] {
        create_repository(&ecr, repository).await;
    }
    for i in 0..3 {
        put(
            &ecr,
            "portfolio-dev-backend",
            &manifest(&format!("eu {i}")),
            MANIFEST,
            None,
        )
        .await;
    }
    create_clusters(&moto, Some(region), &["portfolio-dev"]).await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "portfolio-ci.yaml",
        "environments:\n  dev:\n    region: eu-west-1\n",
    );
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#,
    );
    // No region in the AWS environment: the environment's region decides.
    let env: Vec<(&str, String)> = moto
        .env()
        .into_iter()
        .filter(|(key, _)| !key.ends_with("REGION"))
        .collect();

    let applied = run(
        dir.path(),
        &env,
        &["apply", "--all-services", "--env", "dev", "--json"],
    );
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let stored = ecr
        .get_lifecycle_policy()
        .repository_name("portfolio-dev-frontend")
        .send()
        .await
        .unwrap();
    assert!(stored.lifecycle_policy_text().is_some());

    // The repository and the cluster portfolio-dev are both found in
    // eu-west-1, so --execute goes ahead.
    let enforced = run(
        dir.path(),
        &env,
        &[
            "enforce",
            "--repository",
            "portfolio-dev-backend",
            "--policy",
            policy.to_str().unwrap(),
            "--max-delete",
            "100%",
            "--execute",
            "--json",
        ],
    );
    assert_eq!(enforced.code, 0, "{}", enforced.stderr);
    let json = enforced.json();
    assert_eq!(json["deleted"].as_array().unwrap().len(), 2, "{json}");
    assert!(
        !json["notes"].to_string().contains("does not exist"),
        "{json}"
    );
    assert_eq!(digests(&ecr, "portfolio-dev-backend").await.len(), 1);
}
