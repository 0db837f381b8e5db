//! destroy refuses without the right confirmation, before anything runs.

use crate::harness::Stack;

#[test]
fn destroy_without_right_confirm_exits_2() {
    let stack = Stack::new();
    stack
        .run(&["apply", "--env", "dev", "--auto-approve"])
        .expect(0);
    let before = stack.state("dev").unwrap();

    let none = stack.run(&["destroy", "--env", "dev"]).expect(2);
    assert!(none.stderr().contains("--confirm dev"), "{}", none.stderr());
    let wrong = stack
        .run(&["destroy", "--env", "dev", "--confirm", "prod"])
        .expect(2);
    assert!(wrong.stderr().contains("got 'prod'"), "{}", wrong.stderr());
    let prod = stack
        .run(&["destroy", "--env", "prod", "--confirm", "prod"])
        .expect(2);
    assert!(prod.stderr().contains("--allow-prod"), "{}", prod.stderr());

    assert_eq!(stack.state("dev").unwrap(), before, "the state changed");
    assert_eq!(stack.resources("dev").len(), 14);
    assert!(stack.state("prod").is_none());
}
