//! The ECR side: the repository's images (DescribeImages, 1000 a page), the
//! manifests of image indexes (BatchGetImage, 100 a call), the lifecycle
//! policy (Get/PutLifecyclePolicy) and deletions (BatchDeleteImage, 100 a
//! call). The client comes from [`portfolio_core::Aws`], which counts
//! every call.

use std::collections::HashMap;

use aws_sdk_ecr::Client;
use aws_sdk_ecr::types::{ImageDetail, ImageIdentifier};
use portfolio_core::oci;
use portfolio_core::{AwsError, Cancel, Signal};

use crate::error::Error;
use crate::image::Image;
use crate::policy::StorageClass;

/// Page size of DescribeImages (the API's maximum).
pub const PAGE_SIZE: i32 = 1000;
/// Image ids per BatchDeleteImage and BatchGetImage call (the API's maximum).
pub const BATCH_SIZE: usize = 100;

/// The ECR calls of ecr-lifecycle, on one client.
#[derive(Debug, Clone)]
pub struct Ecr {
    client: Client,
}

/// What a deletion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deletion {
    /// Digests deleted.
    pub deleted: Vec<String>,
    /// Digests not deleted, with ECR's failure code and reason.
    pub failures: Vec<DeleteFailure>,
    /// The signal that stopped the deletion between two batches (the
    /// digests after that batch were not asked for).
    pub stopped: Option<Signal>,
}

/// One image ECR did not delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteFailure {
    /// The digest.
    pub digest: String,
    /// ECR's failure code (`ImageNotFound`, ...).
    pub code: String,
    /// ECR's reason.
    pub reason: String,
}

impl Ecr {
    /// Wraps `client`.
    pub fn new(client: Client) -> Ecr {
        Ecr { client }
    }

    /// Every image of `repository`, following DescribeImages pages.
    pub async fn images(&self, repository: &str) -> Result<Vec<Image>, Error> {
        let mut images = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .describe_images()
                .repository_name(repository)
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| AwsError::new("ecr:DescribeImages", &err).on(repository))?;
            images.extend(page.image_details().iter().filter_map(to_image));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(images);
            }
        }
    }

    /// The digests each index in `indexes` lists (platform images and
    /// attestation manifests), read with BatchGetImage.
    pub async fn index_children(
        &self,
        repository: &str,
        indexes: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, Error> {
        let mut children = HashMap::new();
        for chunk in indexes.chunks(BATCH_SIZE) {
            let ids = chunk
                .iter()
                .map(|digest| ImageIdentifier::builder().image_digest(*digest).build())
                .collect();
            let output = self
                .client
                .batch_get_image()
                .repository_name(repository)
                .set_image_ids(Some(ids))
                .set_accepted_media_types(Some(
                    oci::INDEX_TYPES.iter().map(|m| (*m).to_owned()).collect(),
                ))
                .send()
                .await
                .map_err(|err| AwsError::new("ecr:BatchGetImage", &err).on(repository))?;
            for image in output.images() {
                let (Some(digest), Some(manifest)) = (
                    image.image_id().and_then(|id| id.image_digest()),
                    image.image_manifest(),
                ) else {
                    continue;
                };
                children.insert(digest.to_owned(), listed_digests(manifest));
            }
        }
        Ok(children)
    }

    /// The repository's lifecycle policy text, if it has one.
    pub async fn policy(&self, repository: &str) -> Result<Option<String>, Error> {
        match self
            .client
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
        {
            Ok(output) => Ok(output.lifecycle_policy_text().map(str::to_owned)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyError::is_lifecycle_policy_not_found_exception) =>
            {
                Ok(None)
            }
            Err(err) => Err(AwsError::new("ecr:GetLifecyclePolicy", &err)
                .on(repository)
                .into()),
        }
    }

    /// Puts `text` as the repository's lifecycle policy.
    pub async fn put_policy(&self, repository: &str, text: &str) -> Result<(), Error> {
        self.client
            .put_lifecycle_policy()
            .repository_name(repository)
            .lifecycle_policy_text(text)
            .send()
            .await
            .map_err(|err| AwsError::new("ecr:PutLifecyclePolicy", &err).on(repository))?;
        Ok(())
    }

    /// Deletes `digests`, 100 a call, in the order given. A signal stops it
    /// between two calls: the batch under way finishes, no other starts.
    pub async fn delete(
        &self,
        repository: &str,
        digests: &[String],
        cancel: &Cancel,
    ) -> Result<Deletion, Error> {
        let mut deletion = Deletion::default();
        for chunk in digests.chunks(BATCH_SIZE) {
            if let Some(signal) = cancel.signal() {
                deletion.stopped = Some(signal);
                break;
            }
            let ids = chunk
                .iter()
                .map(|digest| ImageIdentifier::builder().image_digest(digest).build())
                .collect();
            let output = self
                .client
                .batch_delete_image()
                .repository_name(repository)
                .set_image_ids(Some(ids))
                .send()
                .await
                .map_err(|err| AwsError::new("ecr:BatchDeleteImage", &err).on(repository))?;
            let failures: Vec<DeleteFailure> = output
                .failures()
                .iter()
                .map(|failure| DeleteFailure {
                    digest: failure
                        .image_id()
                        .and_then(|id| id.image_digest())
                        .unwrap_or_default()
                        .to_owned(),
                    code: failure
                        .failure_code()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                    reason: failure.failure_reason().unwrap_or_default().to_owned(),
                })
                .collect();
            // Every id asked for is either deleted or listed as a failure.
            // (The response's imageIds are not used: moto lists none for
            // untagged images.)
            deletion.deleted.extend(
                chunk
                    .iter()
                    .filter(|digest| !failures.iter().any(|f| &f.digest == *digest))
                    .cloned(),
            );
            deletion.failures.extend(failures);
        }
        Ok(deletion)
    }
}

/// The SDK's image detail as a snapshot image (skipped without a digest).
pub fn to_image(detail: &ImageDetail) -> Option<Image> {
    let millis = |time: Option<&aws_smithy_types::DateTime>| time.and_then(|t| t.to_millis().ok());
    Some(Image {
        digest: detail.image_digest()?.to_owned(),
        tags: detail.image_tags().to_vec(),
        pushed_at: millis(detail.image_pushed_at()).unwrap_or(0),
        size: detail.image_size_in_bytes(),
        media_type: detail.image_manifest_media_type().map(str::to_owned),
        subject: detail.subject_manifest_digest().map(str::to_owned),
        last_pulled: millis(detail.last_recorded_pull_time()),
        storage_class: match detail
            .image_status()
            .map(aws_sdk_ecr::types::ImageStatus::as_str)
        {
            Some("ARCHIVED") => StorageClass::Archive,
            _ => StorageClass::Standard,
        },
        archived_at: millis(detail.last_archived_at()),
        activated_at: millis(detail.last_activated_at()),
    })
}

/// The digests an index manifest lists (none if it is not an index):
/// platform images and attestation manifests alike.
pub fn listed_digests(manifest: &str) -> Vec<String> {
    oci::index_entries(manifest.as_bytes())
        .into_iter()
        .map(|entry| entry.digest)
        .collect()
}

#[cfg(test)]
mod tests;
