//! Unit tests for behaviour label parsing.

use super::{Behavior, from_label};

#[test]
fn parses_every_behaviour() {
    assert_eq!("healthy".parse(), Ok(Behavior::Healthy));
    assert_eq!("".parse(), Ok(Behavior::Healthy));
    assert_eq!("crash".parse(), Ok(Behavior::Crash));
    assert_eq!("Unhealthy".parse(), Ok(Behavior::Unhealthy));
    assert_eq!("pull-error".parse(), Ok(Behavior::PullError));
    assert_eq!("slow:30".parse(), Ok(Behavior::Slow(30.0)));
    assert_eq!("slow:2.5s".parse(), Ok(Behavior::Slow(2.5)));
    assert_eq!("flaky:50".parse(), Ok(Behavior::Flaky(50.0)));
    assert_eq!("flaky:25%".parse(), Ok(Behavior::Flaky(25.0)));
    assert_eq!("exit:0".parse(), Ok(Behavior::Exit(0)));
    assert_eq!("exit:3".parse(), Ok(Behavior::Exit(3)));
}

#[test]
fn rejects_nonsense() {
    for bad in [
        "explode",
        "slow",
        "slow:abc",
        "flaky:101",
        "flaky:-1",
        "nap:3",
        "exit",
        "exit:x",
    ] {
        assert!(bad.parse::<Behavior>().is_err(), "{bad} should not parse");
    }
}

#[test]
fn unknown_labels_fall_back_to_healthy() {
    assert_eq!(from_label(None), Behavior::Healthy);
    assert_eq!(from_label(Some("explode")), Behavior::Healthy);
    assert_eq!(from_label(Some("crash")), Behavior::Crash);
}

#[test]
fn display_round_trips() {
    for b in [
        Behavior::Crash,
        Behavior::Slow(3.0),
        Behavior::Flaky(10.0),
        Behavior::PullError,
        Behavior::Exit(2),
    ] {
        assert_eq!(b.to_string().parse(), Ok(b));
    }
}
