use super::*;

#[derive(Debug, thiserror::Error)]
#[error("outer failed")]
struct Outer {
    #[source]
    inner: std::io::Error,
}

impl Failure for Outer {
    fn exit_code(&self) -> u8 {
        4
    }
}

#[test]
fn render_lists_causes_once() {
    let err = Outer {
        inner: std::io::Error::other("disk on fire"),
    };
    assert_eq!(render(&err), "outer failed\n  caused by: disk on fire");
}

#[test]
fn invalid_input_names_file_field_and_reason() {
    let err = InvalidInput::in_file("taskdef.json", "cpu", "expected one of 256, 512");
    assert_eq!(
        err.to_string(),
        "taskdef.json: cpu: expected one of 256, 512"
    );
    assert_eq!(err.exit_code(), USAGE);
}

#[test]
fn finish_maps_errors_to_their_code() {
    let code = finish::<Outer>(
        "t",
        Err(Outer {
            inner: std::io::Error::other("x"),
        }),
    );
    assert_eq!(format!("{code:?}"), format!("{:?}", ExitCode::from(4)));
    let ok = finish::<Outer>("t", Ok(Exit(3)));
    assert_eq!(format!("{ok:?}"), format!("{:?}", ExitCode::from(3)));
}

#[test]
fn the_exit_code_section_lists_every_code_aligned() {
    const CODES: &[Code] = &[
        Code::new(SUCCESS, "success"),
        Code::new(3, "the scan found something"),
        Code::new(INTERRUPTED, "interrupted"),
    ];
    assert_eq!(
        help_text(CODES),
        "Exit codes:\n  0    success\n  3    the scan found something\n  130  interrupted"
    );
}

#[test]
fn long_meanings_wrap_with_a_hanging_indent() {
    let long = "invalid input: file, flag, template, placeholder or rendered definition (names the source, container and field); nothing written";
    let text = help_text(&[Code::new(USAGE, long)]);
    assert_eq!(
        text,
        "Exit codes:\n  2    invalid input: file, flag, template, placeholder or rendered definition (names the\n       source, container and field); nothing written"
    );
    assert!(text.lines().all(|line| line.len() <= HELP_WIDTH));
}
