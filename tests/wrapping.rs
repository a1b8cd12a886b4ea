//! Human output wraps to the terminal's width (COLUMNS honoured), at spaces only, so a timestamp, a command
//! or a path is never cut; written to a pipe or a file, it is not wrapped at all.

use std::process::Command;

use crate::common::root;

const TIMESTAMPS: [&str; 2] = ["2026-11-19T08:30:00Z", "2026-11-19T08:05:00Z"];

fn args() -> Vec<String> {
    let bin = assert_cmd::cargo::cargo_bin("custody");
    vec![
        bin.display().to_string(),
        "check".into(),
        "bundles-invalid/approval-after-start.yaml".into(),
        "--workflows".into(),
        "workflows".into(),
        "--now".into(),
        "2026-11-25T00:00:00Z".into(),
        "--color".into(),
        "never".into(),
        "--quiet".into(),
    ]
}

#[test]
fn a_terminal_gets_lines_wrapped_to_its_width_without_cutting_a_token() {
    // `script` (util-linux) runs custody on a pseudo-terminal.
    let line = args().join(" ");
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(root().join("examples"))
        .env("COLUMNS", "60")
        .env("NO_COLOR", "1")
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let message: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("CUS-S009"))
        .take_while(|l| !l.contains("╭─["))
        .collect();
    assert!(message.len() > 2, "the message is wrapped: {text}");
    for l in &message {
        assert!(
            l.chars().count() <= 60,
            "{l:?} is longer than 60 columns:\n{text}"
        );
    }
    for t in TIMESTAMPS {
        assert!(
            message.iter().any(|l| l.contains(t)),
            "{t} was cut:\n{text}"
        );
    }
}

#[test]
fn a_pipe_gets_each_message_on_one_line() {
    let args = args();
    let out = Command::new(&args[0])
        .args(&args[1..])
        .current_dir(root().join("examples"))
        .env("COLUMNS", "40")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().find(|l| l.contains("CUS-S009")).unwrap();
    for t in TIMESTAMPS {
        assert!(first.contains(t), "{first}");
    }
    assert!(
        first.ends_with("approval must be decided before the session opens"),
        "{first}"
    );
}
