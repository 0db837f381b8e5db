//! The evaluator against the AWS documentation's examples and the corner
//! cases of the spec, as tables, plus property tests.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::policy::StorageClass;

const NOW: i64 = 1_000 * DAY_MS;

/// An image pushed `days` ago with `tags`; its digest is its name.
fn image(name: &str, tags: &[&str], days: i64) -> Image {
    let mut image = Image::new(
        name,
        tags.iter().map(|t| (*t).to_owned()).collect(),
        NOW - days * DAY_MS,
    );
    image.size = Some(1000);
    image
}

fn policy(json: &str) -> Policy {
    Policy::parse(json, Path::new("test.json")).unwrap_or_else(|e| panic!("{e}"))
}

fn keep(priority: u32, list: &str, kind: &str, n: u32) -> String {
    format!(
        r#"{{"rulePriority":{priority},"selection":{{"tagStatus":"tagged","{kind}":[{list}],"countType":"imageCountMoreThan","countNumber":{n}}},"action":{{"type":"expire"}}}}"#
    )
}

fn rules(rules: &[String]) -> Policy {
    policy(&format!(r#"{{"rules":[{}]}}"#, rules.join(",")))
}

/// Digests acted on, in plan order.
fn expired(plan: &Plan, images: &[Image]) -> Vec<String> {
    plan.actions
        .iter()
        .map(|a| images[a.image].digest.clone())
        .collect()
}

fn run(policy: &Policy, images: &[Image]) -> (Plan, Vec<String>) {
    let plan = evaluate(policy, images, &Protection::default(), NOW);
    let names = expired(&plan, images);
    (plan, names)
}

#[test]
fn aws_examples_and_spec_corner_cases() {
    let untagged_14 = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;
    let untagged_keep_1 = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;
    let prod_14 = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;
    let any_keep_1 = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;
    let prod_beta = rules(&[
        keep(1, r#""prod""#, "tagPrefixList", 1),
        keep(2, r#""beta""#, "tagPrefixList", 1),
    ]);
    let alpha_and_beta = rules(&[keep(1, r#""alpha","beta""#, "tagPrefixList", 1)]);
    let alpha_then_any = policy(&format!(
        r#"{{"rules":[{},{{"rulePriority":2,"selection":{{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1}},"action":{{"type":"expire"}}}}]}}"#,
        keep(1, r#""alpha""#, "tagPrefixList", 1)
    ));
    let release_then_v = policy(&format!(
        r#"{{"rules":[{{"rulePriority":1,"selection":{{"tagStatus":"tagged","tagPrefixList":["release"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30}},"action":{{"type":"expire"}}}},{}]}}"#,
        keep(2, r#""v""#, "tagPrefixList", 2)
    ));
    let spec_default = Policy::default_policy().unwrap();

    let cases: Vec<(&str, Policy, Vec<Image>, Vec<&str>)> = vec![
        (
            "AWS: filtering on image age (untagged, 14 days)",
            policy(untagged_14),
            vec![
                image("a", &[], 20),
                image("b", &[], 14),
                image("c", &[], 3),
                image("d", &["v1"], 30),
            ],
            vec!["a"],
        ),
        (
            "AWS: filtering on image age (prod*, 14 days)",
            policy(prod_14),
            vec![
                image("a", &["prod-1"], 20),
                image("b", &["production"], 15),
                image("c", &["dev"], 30),
                image("d", &["prod"], 2),
            ],
            vec!["a", "b"],
        ),
        (
            "AWS: filtering on image count (keep one untagged)",
            policy(untagged_keep_1),
            vec![
                image("a", &[], 3),
                image("b", &[], 2),
                image("c", &[], 1),
                image("d", &["x"], 9),
            ],
            vec!["a", "b"],
        ),
        (
            "AWS: multiple rules, example A",
            prod_beta.clone(),
            vec![
                image("A", &["beta-1", "prod-1"], 10),
                image("B", &["beta-2", "prod-2"], 9),
                image("C", &["beta-3"], 8),
            ],
            vec!["A"],
        ),
        (
            "AWS: multiple rules, example B",
            prod_beta,
            vec![
                image("A", &["beta-1", "prod-1"], 10),
                image("B", &["beta-2", "prod-2"], 9),
                image("C", &["beta-3", "prod-3"], 8),
                image("D", &["beta-4"], 7),
            ],
            vec!["A", "B"],
        ),
        (
            "AWS: multiple tags in one rule are AND",
            alpha_and_beta,
            vec![
                image("A", &["alpha-1", "beta-1", "gamma-1"], 10),
                image("B", &["alpha-2", "beta-2"], 9),
                image("C", &["alpha-3", "beta-3", "gamma-3"], 8),
                image("D", &["alpha-4"], 7),
            ],
            vec!["A", "B"],
        ),
        (
            "AWS: filtering on all images",
            policy(any_keep_1),
            vec![
                image("A", &["alpha-1"], 4),
                image("B", &[], 3),
                image("C", &["beta-1"], 2),
                image("D", &[], 1),
            ],
            vec!["A", "B", "C"],
        ),
        (
            "AWS: tagged rule then any: claimed images are skipped",
            alpha_then_any,
            vec![
                image("A", &["alpha-1"], 4),
                image("B", &[], 3),
                image("C", &["alpha-2"], 2),
                image("D", &["x"], 1),
            ],
            vec!["A", "B"],
        ),
        (
            "spec: keep-N slots go to images claimed earlier",
            release_then_v,
            vec![
                image("r1", &["v1", "release-1"], 3),
                image("r2", &["v2", "release-2"], 2),
                image("v0", &["v0"], 10),
                image("old", &["release-0"], 40),
            ],
            vec!["old", "v0"],
        ),
        (
            "spec default: keep 10 v*, untagged after 7 days",
            spec_default,
            (0..12)
                .map(|i| image(&format!("v{i:02}"), &[&format!("v{i}")], 20 - i))
                .chain([
                    image("u-old", &[], 8),
                    image("u-new", &[], 6),
                    image("latest", &["latest"], 100),
                ])
                .collect(),
            vec!["v00", "v01", "u-old"],
        ),
    ];
    for (name, policy, images, expected) in cases {
        let (plan, names) = run(&policy, &images);
        let mut names = names;
        names.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(names, expected, "{name}: {plan:#?}");
    }
}

#[test]
fn deletion_order_is_oldest_first() {
    let policy = rules(&[keep(1, r#""v""#, "tagPrefixList", 1)]);
    let images = vec![
        image("b", &["v2"], 5),
        image("c", &["v3"], 1),
        image("a", &["v1"], 9),
    ];
    let (_, names) = run(&policy, &images);
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn keep_n_reports_kept_slots_taken_by_claimed_images() {
    let policy = policy(&format!(
        r#"{{"rules":[{{"rulePriority":1,"selection":{{"tagStatus":"tagged","tagPrefixList":["release"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30}},"action":{{"type":"expire"}}}},{}]}}"#,
        keep(2, r#""v""#, "tagPrefixList", 2)
    ));
    let images = vec![
        image("r1", &["v1", "release-1"], 3),
        image("r2", &["v2", "release-2"], 2),
        image("v0", &["v0"], 10),
    ];
    let (plan, _) = run(&policy, &images);
    assert_eq!(plan.rules[1].kept_slots_claimed, 2);
    assert_eq!(plan.rules[1].claimed_earlier, 2);
    assert_eq!(plan.rules[1].acted, 1);
}

#[test]
fn pull_restore_and_archive_times() {
    let transition = policy(
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}},{"rulePriority":2,"selection":{"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90},"action":{"type":"expire"}}]}"#,
    );
    let mut never_pulled_old = image("never-pulled-old", &["a"], 40);
    never_pulled_old.last_pulled = None;
    let mut pulled_recently = image("pulled-recently", &["b"], 400);
    pulled_recently.last_pulled = Some(NOW - 5 * DAY_MS);
    let mut restored_recently = image("restored", &["c"], 400);
    restored_recently.last_pulled = Some(NOW - 300 * DAY_MS);
    restored_recently.activated_at = Some(NOW - 2 * DAY_MS);
    let mut archived_long_ago = image("archived-old", &["d"], 500);
    archived_long_ago.storage_class = StorageClass::Archive;
    archived_long_ago.archived_at = Some(NOW - 100 * DAY_MS);
    let mut archived_lately = image("archived-new", &["e"], 500);
    archived_lately.storage_class = StorageClass::Archive;
    archived_lately.archived_at = Some(NOW - 10 * DAY_MS);
    let images = vec![
        never_pulled_old,
        pulled_recently,
        restored_recently,
        archived_long_ago,
        archived_lately,
    ];
    let (plan, _) = run(&transition, &images);
    let acted: Vec<(&str, ActionKind)> = plan
        .actions
        .iter()
        .map(|a| (images[a.image].digest.as_str(), a.kind))
        .collect();
    assert_eq!(
        acted,
        [
            ("archived-old", ActionKind::Expire),
            ("never-pulled-old", ActionKind::Transition)
        ]
    );
}

#[test]
fn restored_image_ranks_by_restore_time() {
    let policy = rules(&[keep(1, r#""v""#, "tagPrefixList", 1)]);
    let mut restored = image("restored", &["v1"], 50);
    restored.activated_at = Some(NOW - DAY_MS);
    let images = vec![restored, image("newer-push", &["v2"], 3)];
    let (_, names) = run(&policy, &images);
    assert_eq!(names, ["newer-push"]);
}

#[test]
fn since_image_pushed_ages_a_restored_image_by_its_push_time() {
    // Spec, Evaluation 4: "pushed more than N days ago"; the restore time
    // counts only for ranking (3) and for sinceImagePulled (5).
    let policy = policy(
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":30},"action":{"type":"expire"}}]}"#,
    );
    let mut restored = image("restored", &["v1"], 50);
    restored.activated_at = Some(NOW - DAY_MS);
    let images = vec![restored, image("fresh", &["v2"], 3)];
    let (plan, names) = run(&policy, &images);
    assert_eq!(names, ["restored"]);
    assert_eq!(
        plan.actions[0].why,
        "pushed 1972-08-08T00:00:00Z (50 days ago), more than 30 days"
    );
}

#[test]
fn each_target_says_why_its_rule_takes_it() {
    let policy = rules(&[keep(1, r#""v""#, "tagPrefixList", 1)]);
    let mut restored = image("restored", &["v1"], 50);
    restored.activated_at = Some(NOW - 20 * DAY_MS);
    let images = vec![
        image("old", &["v0"], 60),
        restored,
        image("new", &["v2"], 1),
    ];
    let (plan, names) = run(&policy, &images);
    assert_eq!(names, ["old", "restored"]);
    assert_eq!(
        plan.actions[0].why,
        "image #3 of 3 by push time, newest first; the rule keeps 1"
    );
    assert_eq!(
        plan.actions[1].why,
        "image #2 of 3 by restore time, newest first; the rule keeps 1"
    );
    assert_eq!(
        policy.rules[0].claim_text(),
        "rule 1 (tagPrefixList [v], imageCountMoreThan 1)"
    );
}

#[test]
fn referrers_are_kept_with_their_subject_and_expire_with_it() {
    let policy = rules(&[
        keep(1, r#""v""#, "tagPrefixList", 1),
        r#"{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}"#.to_owned(),
    ]);
    let referrer = |name: &str, subject: &str, days: i64| {
        let mut image = image(name, &[], days);
        image.subject = Some(subject.to_owned());
        image
    };
    let images = vec![
        image("old", &["v1"], 10),
        image("new", &["v2"], 1),
        referrer("sig-old", "old", 9),
        referrer("sig-new", "new", 9),
        // An SBOM of the old signature, too young for rule 2.
        referrer("sbom-of-sig-old", "sig-old", 0),
        // Its subject is gone: an ordinary untagged image.
        referrer("orphan", "gone", 9),
    ];
    let (plan, names) = run(&policy, &images);
    let mut names = names;
    names.sort();
    assert_eq!(names, ["old", "orphan", "sbom-of-sig-old", "sig-old"]);
    let why = |name: &str| {
        let action = plan
            .actions
            .iter()
            .find(|a| images[a.image].digest == name)
            .unwrap();
        (action.rule, action.why.clone())
    };
    assert_eq!(
        why("sig-old"),
        (
            1,
            "referrer of old (v1), which expires: goes with its subject".into()
        )
    );
    assert_eq!(why("sbom-of-sig-old").0, 1);
    assert_eq!(why("orphan").0, 2);
    assert_eq!(plan.protected.len(), 1);
    assert_eq!(images[plan.protected[0].image].digest, "sig-new");
    assert_eq!(
        plan.protected[0].reasons,
        ["referrer of new (v2), which is kept: goes with its subject"]
    );
    assert_eq!((plan.rules[0].acted, plan.rules[0].bytes), (3, 3000));
    assert_eq!((plan.rules[1].acted, plan.rules[1].protected), (1, 1));

    // A referrer in use stays even when its subject goes.
    let mut protection = Protection::default();
    protection.add("sig-old", "running in task t".into());
    let plan = evaluate(&policy, &images, &protection, NOW);
    let mut names = expired(&plan, &images);
    names.sort();
    // ...and so does what refers to it.
    assert_eq!(names, ["old", "orphan"]);
}

#[test]
fn protected_images_are_listed_not_expired() {
    let policy = rules(&[keep(1, r#""v""#, "tagPrefixList", 1)]);
    let images = vec![
        image("a", &["v1"], 9),
        image("b", &["v2"], 5),
        image("c", &["v3"], 1),
    ];
    let mut protection = Protection::default();
    protection.add("a", "tag v1 used by service backend".into());
    let plan = evaluate(&policy, &images, &protection, NOW);
    assert_eq!(expired(&plan, &images), ["b"]);
    assert_eq!(plan.protected.len(), 1);
    assert_eq!(images[plan.protected[0].image].digest, "a");
    assert_eq!(plan.protected[0].rule, 1);
    assert_eq!(plan.rules[0].protected, 1);
    assert_eq!(plan.rules[0].bytes, 1000);
}

#[test]
fn index_children_are_counted_but_never_expired() {
    let policy = Policy::default_policy().unwrap();
    let mut index = image("index", &["v1"], 30);
    index.media_type = Some(portfolio_core::oci::IMAGE_INDEX.into());
    let images = vec![
        index,
        image("amd64", &[], 30),
        image("arm64", &[], 30),
        image("stray", &[], 30),
    ];
    let children = HashMap::from([(
        "index".to_owned(),
        vec!["amd64".to_owned(), "arm64".to_owned()],
    )]);
    let protection = Protection::build("repo", &images, &[], &children);
    let plan = evaluate(&policy, &images, &protection, NOW);
    assert_eq!(expired(&plan, &images), ["stray"]);
    assert_eq!(plan.protected.len(), 2);
}

// ---- properties ----

fn arb_images() -> impl Strategy<Value = Vec<Image>> {
    let tags = prop::sample::subsequence(
        vec!["v1", "v2", "prod-1", "beta-1", "release", "x-rc1"],
        0..3,
    );
    prop::collection::vec((tags, 0i64..40, any::<bool>()), 0..40).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (tags, days, archived))| {
                let referrer = i % 5 == 4;
                let tags = if referrer { Vec::new() } else { tags };
                let mut image = image(&format!("sha256:{i:04}"), &tags, days);
                if referrer {
                    // A signature of the image before it; now and then of one
                    // that is gone.
                    image.subject = Some(if i % 10 == 9 {
                        "sha256:gone".to_owned()
                    } else {
                        format!("sha256:{:04}", i - 1)
                    });
                }
                if archived && i % 3 == 0 {
                    image.storage_class = StorageClass::Archive;
                    image.archived_at = Some(NOW - days * DAY_MS / 2);
                }
                image
            })
            .collect()
    })
}

fn arb_policy() -> impl Strategy<Value = Policy> {
    let selection = prop_oneof![
        Just(r#""tagStatus":"tagged","tagPrefixList":["v"]"#.to_owned()),
        Just(r#""tagStatus":"tagged","tagPrefixList":["prod","beta"]"#.to_owned()),
        Just(r#""tagStatus":"tagged","tagPatternList":["*-rc*"]"#.to_owned()),
        Just(r#""tagStatus":"tagged","tagPatternList":["re*"]"#.to_owned()),
        Just(r#""tagStatus":"untagged""#.to_owned()),
        Just(r#""tagStatus":"any""#.to_owned()),
    ];
    let count = prop_oneof![
        (1u32..4).prop_map(|n| format!(r#""countType":"imageCountMoreThan","countNumber":{n}"#)),
        (1u32..30).prop_map(|n| format!(
            r#""countType":"sinceImagePushed","countUnit":"days","countNumber":{n}"#
        )),
    ];
    prop::collection::vec((selection, count), 1..5).prop_map(|mut specs| {
        // ECR's cross-rule constraints: one untagged rule, `any` last.
        let mut seen_untagged = false;
        specs.retain(|(s, _)| {
            let untagged = s.contains("untagged");
            let keep = !(s.contains("\"any\"") || untagged && seen_untagged);
            seen_untagged |= untagged;
            keep
        });
        specs.push((r#""tagStatus":"any""#.to_owned(), r#""countType":"imageCountMoreThan","countNumber":5"#.to_owned()));
        let mut rules: Vec<String> = specs
            .iter()
            .enumerate()
            .map(|(i, (s, c))| {
                format!(r#"{{"rulePriority":{},"selection":{{{s},{c}}},"action":{{"type":"expire"}}}}"#, i * 2 + 1)
            })
            .collect();
        rules.push(r#"{"rulePriority":99,"selection":{"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":5},"action":{"type":"expire"}}"#.to_owned());
        policy(&format!(r#"{{"rules":[{}]}}"#, rules.join(",")))
    })
}

fn outcome(plan: &Plan, images: &[Image]) -> (BTreeSet<(String, u32)>, BTreeSet<String>) {
    (
        plan.actions
            .iter()
            .map(|a| (images[a.image].digest.clone(), a.rule))
            .collect(),
        plan.protected
            .iter()
            .map(|p| images[p.image].digest.clone())
            .collect(),
    )
}

/// Protection of the images whose flag in `protect` is set.
fn in_use(images: &[Image], protect: &[bool]) -> Protection {
    let mut protection = Protection::default();
    for (image, protect) in images.iter().zip(protect) {
        if *protect {
            protection.add(&image.digest, "in use".into());
        }
    }
    protection
}

proptest! {
    #[test]
    fn never_expires_a_protected_digest(
        images in arb_images(),
        policy in arb_policy(),
        protect in prop::collection::vec(any::<bool>(), 40),
    ) {
        let protection = in_use(&images, &protect);
        let plan = evaluate(&policy, &images, &protection, NOW);
        for action in &plan.actions {
            prop_assert!(protection.reasons(&images[action.image].digest).is_none());
        }
        for saved in &plan.protected {
            let image = &images[saved.image];
            prop_assert!(protection.reasons(&image.digest).is_some() || image.subject.is_some());
        }
    }

    #[test]
    fn referrers_go_with_their_subject(
        images in arb_images(),
        policy in arb_policy(),
        protect in prop::collection::vec(any::<bool>(), 40),
    ) {
        let protection = in_use(&images, &protect);
        let plan = evaluate(&policy, &images, &protection, NOW);
        let expired: BTreeSet<&str> = plan
            .actions
            .iter()
            .filter(|a| a.kind == ActionKind::Expire)
            .map(|a| images[a.image].digest.as_str())
            .collect();
        let acted: BTreeSet<&str> = plan.actions.iter().map(|a| images[a.image].digest.as_str()).collect();
        for image in &images {
            let Some(subject) = image.subject.as_deref() else { continue };
            if !images.iter().any(|i| i.digest == subject) {
                continue;
            }
            if expired.contains(subject) {
                prop_assert!(
                    expired.contains(image.digest.as_str())
                        || protection.reasons(&image.digest).is_some(),
                    "{} stays while its subject {} expires", image.digest, subject
                );
            } else {
                prop_assert!(
                    !acted.contains(image.digest.as_str()),
                    "{} is acted on while its subject {} stays", image.digest, subject
                );
            }
        }
    }

    #[test]
    fn never_acts_twice_on_an_image(images in arb_images(), policy in arb_policy()) {
        let plan = evaluate(&policy, &images, &Protection::default(), NOW);
        let mut seen = BTreeSet::new();
        for action in &plan.actions {
            prop_assert!(seen.insert(action.image), "acted twice on {}", images[action.image].digest);
        }
        let acted: usize = plan.rules.iter().map(|r| r.acted).sum();
        prop_assert_eq!(acted, plan.actions.len());
    }

    #[test]
    fn result_is_independent_of_input_order(
        images in arb_images(),
        policy in arb_policy(),
        seed in any::<u64>(),
    ) {
        let mut protection = Protection::default();
        for image in images.iter().step_by(4) {
            protection.add(&image.digest, "in use".into());
        }
        let before = outcome(&evaluate(&policy, &images, &protection, NOW), &images);
        let mut shuffled = images.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = usize::try_from(state % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        let after = outcome(&evaluate(&policy, &shuffled, &protection, NOW), &shuffled);
        prop_assert_eq!(before, after);
    }
}
