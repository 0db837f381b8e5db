//! ECR's tag mutability, decided per tag as ECR decides it.
//!
//! A repository is `MUTABLE` (every tag may move), `IMMUTABLE` (no tag may
//! move), `IMMUTABLE_WITH_EXCLUSION` (no tag may move except those matching
//! one of its exclusion filters) or `MUTABLE_WITH_EXCLUSION` (every tag may
//! move except those matching a filter). A filter is a `WILDCARD` pattern
//! of the whole tag where `*` stands for any run of characters (`release-*`,
//! `*-rc*`); the filters only count in the two `_WITH_EXCLUSION` modes.
//! A mode this build does not know is taken as immutable: a tag is never
//! moved where ECR might refuse it half-way.

use aws_sdk_ecr::types::{ImageTagMutability, ImageTagMutabilityExclusionFilter};
use portfolio_core::{Session, tag_glob};

use crate::error::Error;

/// Which tags of one repository may point at another image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRules {
    /// Tags that match no filter are immutable.
    immutable: bool,
    /// The exclusion filters (wildcard patterns).
    exclusions: Vec<String>,
}

impl TagRules {
    /// Every tag may move (a registry other than ECR, or `MUTABLE`).
    pub fn mutable() -> TagRules {
        TagRules {
            immutable: false,
            exclusions: Vec::new(),
        }
    }

    /// No tag may move (`IMMUTABLE`).
    pub fn immutable() -> TagRules {
        TagRules {
            immutable: true,
            exclusions: Vec::new(),
        }
    }

    /// The rules of a repository from DescribeRepositories.
    pub fn of(
        mutability: Option<&ImageTagMutability>,
        filters: &[ImageTagMutabilityExclusionFilter],
    ) -> TagRules {
        let patterns = || filters.iter().map(|f| f.filter().to_owned()).collect();
        match mutability {
            None | Some(ImageTagMutability::Mutable) => TagRules::mutable(),
            Some(ImageTagMutability::ImmutableWithExclusion) => TagRules {
                immutable: true,
                exclusions: patterns(),
            },
            Some(ImageTagMutability::MutableWithExclusion) => TagRules {
                immutable: false,
                exclusions: patterns(),
            },
            Some(_) => TagRules::immutable(),
        }
    }

    /// Whether `tag` may be moved to another image.
    pub fn may_move(&self, tag: &str) -> bool {
        let excluded = self.exclusions.iter().any(|p| tag_glob::matches(p, tag));
        self.immutable == excluded
    }

    /// Whether any tag at all is immutable.
    pub fn any_immutable(&self) -> bool {
        self.immutable || !self.exclusions.is_empty()
    }
}

/// What a push does with each of its tags, given where they point now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagPlan {
    /// The tags the image gets (or keeps), with the digest each points at
    /// now (`None`: a new tag).
    pub tags: Vec<(String, Option<String>)>,
    /// Moving tags the rules hold on another image: `(tag, its digest)`.
    /// They are left where they are, with a warning.
    pub held: Vec<(String, String)>,
    /// Tags that name one image, may not move, and are on another image:
    /// the push is refused (exit 4).
    pub conflicts: Vec<String>,
}

impl TagPlan {
    /// The tags to push, with the digest each points at now: refuses the
    /// push when a tag conflicts (exit 4, nothing changed), and warns in
    /// `session` about each moving tag left on another image of
    /// `repository`.
    pub fn settle(
        self,
        repository: &str,
        session: &Session,
    ) -> Result<Vec<(String, Option<String>)>, Error> {
        if !self.conflicts.is_empty() {
            return Err(Error::ImmutableTags {
                repository: repository.to_owned(),
                tags: self.conflicts,
            });
        }
        for (tag, digest) in &self.held {
            session.warn(&format!(
                "{tag} stays on {digest}: repository {repository} does not let it move (ECR tag mutability)"
            ));
        }
        Ok(self.tags)
    }
}

impl TagRules {
    /// Sorts `current` (every tag with the digest it points at now) for a
    /// push of `target` (`None`: an image not built yet). A tag already on
    /// `target`, a new tag, or one the rules let move is pushed. A tag the
    /// rules hold on another image is left there when it is one of
    /// `moving` (branch, `pr-<n>`, `vX.Y`: the next build of the ref would
    /// move it), and refused otherwise: `sha-<7>`, `vX.Y.Z`, the context
    /// tag, `--tag` and `--latest` each name one image, so a different
    /// image under that name is a mistake worth stopping for.
    pub fn plan(
        &self,
        moving: &[String],
        current: Vec<(String, Option<String>)>,
        target: Option<&str>,
    ) -> TagPlan {
        let mut plan = TagPlan::default();
        for (tag, digest) in current {
            match digest {
                Some(digest) if Some(digest.as_str()) != target && !self.may_move(&tag) => {
                    if moving.contains(&tag) {
                        plan.held.push((tag, digest));
                    } else {
                        plan.conflicts.push(tag);
                    }
                }
                digest => plan.tags.push((tag, digest)),
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::types::ImageTagMutabilityExclusionFilterType;

    fn filters(patterns: &[&str]) -> Vec<ImageTagMutabilityExclusionFilter> {
        patterns
            .iter()
            .map(|p| {
                ImageTagMutabilityExclusionFilter::builder()
                    .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                    .filter(*p)
                    .build()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn each_mode_decides_per_tag() {
        let mutable = TagRules::of(Some(&ImageTagMutability::Mutable), &[]);
        assert!(mutable.may_move("main") && !mutable.any_immutable());
        assert_eq!(TagRules::of(None, &[]), TagRules::mutable());

        let immutable = TagRules::of(Some(&ImageTagMutability::Immutable), &filters(&["main"]));
        assert!(!immutable.may_move("main") && !immutable.may_move("v1"));

        let except = TagRules::of(
            Some(&ImageTagMutability::ImmutableWithExclusion),
            &filters(&["main", "pr-*"]),
        );
        assert!(except.may_move("main") && except.may_move("pr-7"));
        assert!(!except.may_move("v1.2") && except.any_immutable());

        let only = TagRules::of(
            Some(&ImageTagMutability::MutableWithExclusion),
            &filters(&["release-*"]),
        );
        assert!(only.may_move("main") && !only.may_move("release-1"));
        assert!(only.any_immutable());

        let unknown = TagRules::of(Some(&ImageTagMutability::from("SOMETHING_NEW")), &[]);
        assert!(!unknown.may_move("main"));
    }

    #[test]
    fn held_moving_tags_stay_and_fixed_ones_conflict() {
        let current = |pairs: &[(&str, Option<&str>)]| {
            pairs
                .iter()
                .map(|(t, d)| ((*t).to_owned(), d.map(str::to_owned)))
                .collect::<Vec<_>>()
        };
        let now = current(&[
            ("sha-1", None),
            ("main", Some("sha256:old")),
            ("v1.2", Some("sha256:old")),
            ("release", Some("sha256:new")),
            ("ctx-1", None),
        ]);
        let moving = ["main".to_owned(), "v1.2".to_owned()];
        let plan = TagRules::immutable().plan(&moving, now.clone(), Some("sha256:new"));
        assert_eq!(
            plan.tags,
            current(&[
                ("sha-1", None),
                ("release", Some("sha256:new")),
                ("ctx-1", None)
            ])
        );
        assert_eq!(
            plan.held,
            [
                ("main".to_owned(), "sha256:old".to_owned()),
                ("v1.2".to_owned(), "sha256:old".to_owned())
            ]
        );
        assert!(plan.conflicts.is_empty());
        // Not built yet: `release` exists elsewhere and names one image.
        let plan = TagRules::immutable().plan(&moving, now.clone(), None);
        assert_eq!(plan.conflicts, ["release"]);
        // Mutable: everything moves.
        let plan = TagRules::mutable().plan(&moving, now.clone(), None);
        assert_eq!(plan.tags, now);
    }
}
