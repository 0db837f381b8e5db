//! Unit tests of checksums and staleness.

use proptest::prelude::*;
use std::io::Write;

use portfolio_core::Failure;

use super::*;

fn version(serial: u64, lineage: &str) -> StateVersion {
    StateVersion {
        serial,
        lineage: lineage.to_owned(),
    }
}

#[test]
fn checksum_round_trip_and_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("dev.tfplan");
    std::fs::write(&plan, b"plan bytes").unwrap();
    let sha = write_checksum(&plan).unwrap();
    let line = std::fs::read_to_string(checksum_path(&plan)).unwrap();
    assert_eq!(line, format!("{sha}  dev.tfplan\n"));
    assert_eq!(verify(&plan, None).unwrap(), sha);
    assert_eq!(verify(&plan, Some(&sha.to_uppercase())).unwrap(), sha);
    std::fs::write(&plan, b"plan bytez").unwrap();
    assert!(matches!(
        verify(&plan, None),
        Err(Error::ChecksumMismatch { .. })
    ));
    std::fs::remove_file(checksum_path(&plan)).unwrap();
    assert!(matches!(
        verify(&plan, None),
        Err(Error::ChecksumMissing { .. })
    ));
    assert!(matches!(
        verify(&plan, Some("xyz")),
        Err(Error::Core(portfolio_core::Error::Invalid(_)))
    ));
    std::fs::write(checksum_path(&plan), "truncated  dev.tfplan\n").unwrap();
    let damaged = verify(&plan, None).unwrap_err();
    assert!(matches!(damaged, Error::ChecksumUnreadable { .. }));
    assert_eq!(damaged.exit_code(), 3);
}

#[test]
fn reads_prior_state_from_plan_archive() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.tfplan");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&plan).unwrap());
    zip.start_file("tfstate", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(br#"{"version":4,"serial":7,"lineage":"abc"}"#)
        .unwrap();
    zip.finish().unwrap();
    assert_eq!(planned_against(&plan).unwrap(), Some(version(7, "abc")));
}

#[test]
fn state_parse() {
    assert_eq!(StateVersion::parse(b"  \n").unwrap(), None);
    assert_eq!(
        StateVersion::parse(br#"{"serial":0,"lineage":""}"#).unwrap(),
        None
    );
    assert_eq!(
        StateVersion::parse(br#"{"serial":3,"lineage":"l"}"#).unwrap(),
        Some(version(3, "l"))
    );
}

#[test]
fn staleness_cases() {
    assert_eq!(staleness(None, None), None);
    assert!(
        staleness(None, Some(&version(1, "l")))
            .unwrap()
            .contains("already applied")
    );
    assert!(staleness(Some(&version(1, "l")), None).is_some());
    assert!(staleness(Some(&version(1, "l")), Some(&version(1, "m"))).is_some());
    assert!(staleness(Some(&version(1, "l")), Some(&version(2, "l"))).is_some());
}

proptest! {
    #[test]
    fn fresh_only_when_identical(a in 0u64..5, b in 0u64..5, la in "[ab]", lb in "[ab]") {
        let stale = staleness(Some(&version(a, &la)), Some(&version(b, &lb))).is_some();
        prop_assert_eq!(stale, a != b || la != lb);
    }
}
