//! The ECR calls against aws-smithy-mocks (moto ignores maxResults, so
//! pagination is tested here): DescribeImages asks for 1000 a page and
//! follows nextToken; deletions go 100 ids a call; the call count for N
//! images and D deletions is ceil(N/1000) + ceil(D/100).

use aws_sdk_ecr::Client;
use aws_sdk_ecr::operation::batch_delete_image::BatchDeleteImageOutput;
use aws_sdk_ecr::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyError;
use aws_sdk_ecr::types::error::LifecyclePolicyNotFoundException;
use aws_sdk_ecr::types::{ImageDetail, ImageFailure, ImageFailureCode};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use portfolio_core::aws::CallCounter;

use super::*;

fn page(from: usize, to: usize, next: Option<&str>) -> DescribeImagesOutput {
    let details = (from..to)
        .map(|i| {
            ImageDetail::builder()
                .image_digest(format!("sha256:{i:064}"))
                .image_pushed_at(aws_smithy_types::DateTime::from_secs(
                    1_700_000_000 + i as i64,
                ))
                .image_size_in_bytes(10)
                .build()
        })
        .collect();
    DescribeImagesOutput::builder()
        .set_image_details(Some(details))
        .set_next_token(next.map(str::to_owned))
        .build()
}

#[tokio::test]
async fn describe_images_follows_pages_of_1000_and_deletes_100_a_call() {
    let first = mock!(Client::describe_images)
        .match_requests(|r| r.max_results() == Some(1000) && r.next_token().is_none())
        .then_output(|| page(0, 1000, Some("t1")));
    let second = mock!(Client::describe_images)
        .match_requests(|r| r.max_results() == Some(1000) && r.next_token() == Some("t1"))
        .then_output(|| page(1000, 2000, Some("t2")));
    let third = mock!(Client::describe_images)
        .match_requests(|r| r.max_results() == Some(1000) && r.next_token() == Some("t2"))
        .then_output(|| page(2000, 2500, None));
    let delete = mock!(Client::batch_delete_image)
        .match_requests(|r| r.image_ids().len() <= 100)
        .then_compute_output(|r| {
            // The first id of each call is refused; the rest are deleted.
            let ids = r.image_ids();
            let refused = ids[0].clone();
            BatchDeleteImageOutput::builder()
                .set_image_ids(Some(ids[1..].to_vec()))
                .failures(
                    ImageFailure::builder()
                        .image_id(refused)
                        .failure_code(ImageFailureCode::ImageReferencedByManifestList)
                        .failure_reason("referenced")
                        .build(),
                )
                .build()
        });
    let calls = CallCounter::default();
    let counter = calls.clone();
    let client = mock_client!(
        aws_sdk_ecr,
        RuleMode::MatchAny,
        &[&first, &second, &third, &delete],
        move |config| config.interceptor(counter.clone())
    );
    let ecr = Ecr::new(client);
    let (_trigger, cancel) = Cancel::manual();

    let images = ecr.images("repo").await.unwrap();
    assert_eq!(images.len(), 2500);
    assert_eq!(images[2499].digest, format!("sha256:{:064}", 2499));
    assert_eq!(images[0].pushed_at, 1_700_000_000_000);

    let doomed: Vec<String> = images.iter().take(250).map(|i| i.digest.clone()).collect();
    let deletion = ecr.delete("repo", &doomed, &cancel).await.unwrap();
    assert_eq!(deletion.failures.len(), 3);
    assert_eq!(deletion.failures[0].code, "ImageReferencedByManifestList");
    assert_eq!(deletion.deleted.len(), 247);
    assert!(!deletion.deleted.contains(&doomed[100]));

    // ceil(2500 / 1000) + ceil(250 / 100) = 3 + 3.
    let counted = calls.by_operation();
    assert_eq!(counted["ecr:DescribeImages"], 3);
    assert_eq!(counted["ecr:BatchDeleteImage"], 3);
    assert_eq!(
        (first.num_calls(), second.num_calls(), third.num_calls()),
        (1, 1, 1)
    );
    assert_eq!(delete.num_calls(), 3);
}

#[tokio::test]
async fn a_signal_stops_the_deletion_after_the_batch_under_way() {
    let (trigger, cancel) = Cancel::manual();
    let during = trigger.clone();
    let delete = mock!(Client::batch_delete_image).then_compute_output(move |_| {
        // SIGTERM arrives while the first batch is being deleted.
        during.fire(Signal::Terminate);
        BatchDeleteImageOutput::builder().build()
    });
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, &[&delete]);
    let ecr = Ecr::new(client);
    let doomed: Vec<String> = (0..250).map(|i| format!("sha256:{i:064}")).collect();
    let deletion = ecr.delete("repo", &doomed, &cancel).await.unwrap();
    assert_eq!(delete.num_calls(), 1);
    assert_eq!(deletion.deleted, doomed[..100]);
    assert_eq!(deletion.stopped, Some(Signal::Terminate));
    drop(trigger);
}

#[tokio::test]
async fn a_missing_lifecycle_policy_is_none() {
    let missing = mock!(Client::get_lifecycle_policy).then_error(|| {
        GetLifecyclePolicyError::LifecyclePolicyNotFoundException(
            LifecyclePolicyNotFoundException::builder().build(),
        )
    });
    let client = mock_client!(aws_sdk_ecr, &[&missing]);
    let ecr = Ecr::new(client);
    assert_eq!(ecr.policy("repo").await.unwrap(), None);
}

#[test]
fn index_manifests_list_their_children() {
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"sha256:a","platform":{"os":"linux"}},{"digest":"sha256:att","annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}"#;
    assert_eq!(listed_digests(manifest), ["sha256:a", "sha256:att"]);
    assert!(listed_digests(r#"{"layers":[]}"#).is_empty());
}
