//! Help, `--version` and usage errors: each command's own help, and errors
//! that name the missing or extra argument and the help to read.

use crate::support::*;

#[test]
fn help_version_and_usage_errors() {
    let dir = TempDir::new();
    let help = run(&dir, &["--help"], "");
    assert_eq!(help.code, 0);
    for word in [
        "serve",
        "user add",
        "user passwd",
        "flushexpiredtokens",
        "--db",
        "JWTD_SIGNING_KEY",
    ] {
        assert!(help.stdout.contains(word), "{word} missing from help");
    }
    let serve_help = run(&dir, &["serve", "--help"], "");
    assert!(serve_help.stdout.contains("--addr") && serve_help.stdout.contains("--workers"));
    let user_help = run(&dir, &["user", "--help"], "");
    assert!(user_help.stdout.contains("--password-stdin"));
    let version = run(&dir, &["--version"], "");
    assert!(version.stdout.starts_with("jwtd "));
    let bad = run(&dir, &["serve", "--nope"], "");
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown option --nope"),
        "{}",
        bad.stderr
    );
    let bad_setting = run_with(
        &dir,
        &["user", "list"],
        "",
        &[("JWTD_ACCESS_TOKEN_LIFETIME", "soon")],
    );
    assert_eq!(bad_setting.code, 1);
    assert!(
        bad_setting.stderr.contains("invalid ACCESS_TOKEN_LIFETIME"),
        "{}",
        bad_setting.stderr
    );
}

#[test]
fn usage_errors_name_the_missing_or_extra_argument_and_the_help_to_read() {
    let dir = TempDir::new();
    for (args, says) in [
        (&["user", "add"][..], "jwtd: `jwtd user add` needs NAME\nRun `jwtd user --help` for usage.\n"),
        (&["user", "list", "x"], "jwtd: `jwtd user list` takes no argument; extra: x\nRun `jwtd user --help` for usage.\n"),
        (&["user", "import-django"], "jwtd: `jwtd user import-django` needs FILE\nRun `jwtd user --help` for usage.\n"),
        (&["key", "retire"], "jwtd: `jwtd key retire` needs ID\nRun `jwtd key --help` for usage.\n"),
        (&["key", "rotate", "now"], "jwtd: `jwtd key rotate` takes no argument; extra: now\nRun `jwtd key --help` for usage.\n"),
        (&["serve", "--bogus"], "jwtd: unknown option --bogus\nRun `jwtd serve --help` for usage.\n"),
        (&["frob"], "jwtd: unknown command: frob\nRun `jwtd --help` for usage.\n"),
    ] {
        let out = run(&dir, args, "");
        assert_eq!((out.code, out.stderr.as_str()), (2, says), "{args:?}");
    }
}

/// `jwtd FAMILY COMMAND --help` is that command's help, and `serve --help`
/// lists every endpoint.
#[test]
fn each_command_has_its_own_help() {
    let dir = TempDir::new();
    for (args, first_line) in [
        (&["user", "add", "--help"][..], "Create a user."),
        (&["user", "delete", "x", "--help"], "Delete a user."),
        (
            &["key", "retire", "-h"],
            "Refuse tokens signed with key ID from now on.",
        ),
        (
            &["backup", "--help"],
            "Copy the database (users, tokens, signing keys) to a new file, consistent",
        ),
        (
            &["user", "--help"],
            "Manage users. Every command works while a server runs (through its",
        ),
    ] {
        let out = run(&dir, args, "");
        assert_eq!(out.code, 0, "{args:?}");
        assert_eq!(out.stdout.lines().next(), Some(first_line), "{args:?}");
    }
    let serve = run(&dir, &["serve", "--help"], "").stdout;
    for path in [
        "/api/token/blacklist/",
        "/api/admin/users/<int:pk>/revoke/",
        "/metrics",
        "/healthz",
    ] {
        assert!(serve.contains(path), "{path} not in\n{serve}");
    }
}
