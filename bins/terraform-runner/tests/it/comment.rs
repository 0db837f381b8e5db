//! The pull request comment is upserted, one per dir and environment,
//! against a local fake GitHub API.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{Run, Stack};

const MARKER: &str = "<!-- portfolio-ci terraform-runner dir=terraform env=dev -->";

/// Runs `plan --pr-comment` for `env` against the fake API, the PR number
/// coming from the event file.
pub async fn plan_with_comment(
    stack: &Stack,
    api: &str,
    env: &str,
    extra: &[(&str, String)],
) -> Run {
    let event = stack.path("event.json");
    std::fs::write(&event, r#"{"pull_request":{"number":7}}"#).unwrap();
    let mut command = stack.command(&["plan", "--env", env, "--pr-comment", "--json"]);
    command
        .env("GITHUB_API_URL", api)
        .env("GITHUB_TOKEN", "ghs_faketoken")
        .env("GITHUB_REPOSITORY", "owner/repo")
        .env("GITHUB_EVENT_PATH", &event)
        .envs(extra.iter().map(|(k, v)| (*k, v.clone())));
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    Run::from(output)
}

fn comment(id: u64, body: &str) -> serde_json::Value {
    json!({"id": id, "body": body, "html_url": format!("https://github.com/owner/repo/pull/7#issuecomment-{id}")})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pr_comment_is_created_then_updated() {
    let stack = Stack::new();
    let github = MockServer::start().await;

    // No comment of ours yet: one is created.
    Mock::given(method("GET"))
        .and(path("/repos/owner/repo/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([comment(5, "LGTM")])))
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/owner/repo/issues/7/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment(42, "created")))
        .expect(1)
        .mount(&github)
        .await;
    let run = plan_with_comment(&stack, &github.uri(), "dev", &[])
        .await
        .exits(0);
    assert_eq!(run.json()["comment"]["action"], "created");
    assert_eq!(run.json()["comment"]["id"], 42);
    let requests = github.received_requests().await.unwrap();
    let post = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    assert_eq!(
        post.headers.get("authorization").unwrap().to_str().unwrap(),
        "Bearer ghs_faketoken"
    );
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    let text = body["body"].as_str().unwrap();
    assert!(text.starts_with(MARKER), "{text}");
    assert!(text.contains("**14 to add, 0 to change, 0 to destroy, 0 to replace.**"));
    assert!(text.chars().count() <= 65_536);
    github.verify().await;

    // Our comment exists now: it is updated in place, nothing is created.
    github.reset().await;
    Mock::given(method("GET"))
        .and(path("/repos/owner/repo/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            comment(5, "LGTM"),
            comment(42, &format!("{MARKER}\nold summary")),
            comment(
                43,
                "<!-- portfolio-ci terraform-runner dir=terraform env=prod -->\nprod"
            ),
        ])))
        .mount(&github)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/owner/repo/issues/comments/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment(42, "updated")))
        .expect(1)
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&github)
        .await;
    let run = plan_with_comment(&stack, &github.uri(), "dev", &[])
        .await
        .exits(0);
    assert_eq!(run.json()["comment"]["action"], "updated");
    github.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_failure_is_reported() {
    let stack = Stack::new();
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(&github)
        .await;
    let run = plan_with_comment(&stack, &github.uri(), "dev", &[])
        .await
        .exits(1);
    assert!(
        run.stderr
            .contains("cannot upsert the pull request comment"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("ghs_faketoken"));
}
