//! The settings in force: `jwtd config`, the start-up log line naming the
//! settings that differ from the defaults, and SIGHUP reloading the
//! settings file and the key file on a running server.

use crate::support::*;

#[test]
fn config_prints_every_setting_with_its_source_and_no_secret() {
    let dir = TempDir::new();
    let file = dir.path().join("settings.json");
    std::fs::write(
        &file,
        r#"{"ACCESS_TOKEN_LIFETIME": 300, "AUDIENCE": ["a", "b"]}"#,
    )
    .unwrap();
    let out = run_with(
        &dir,
        &["config", "--config", file.to_str().unwrap()],
        "",
        &[
            ("JWTD_ROTATE_REFRESH_TOKENS", "false"),
            ("JWTD_ALLOWED_HOSTS", "a.example,.b.example"),
            ("JWTD_SIGNING_KEY", KEY),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name}: {}", out.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    let path = file.display().to_string();
    assert_eq!(
        line("ACCESS_TOKEN_LIFETIME"),
        ["ACCESS_TOKEN_LIFETIME", "300", "live", "file", &path]
    );
    assert_eq!(
        line("AUDIENCE"),
        ["AUDIENCE", r#"["a","b"]"#, "restart", "file", &path]
    );
    assert_eq!(
        line("ROTATE_REFRESH_TOKENS"),
        ["ROTATE_REFRESH_TOKENS", "false", "live", "environment"]
    );
    assert_eq!(
        line("ALLOWED_HOSTS"),
        [
            "ALLOWED_HOSTS",
            "a.example,.b.example",
            "live",
            "environment"
        ]
    );
    assert_eq!(line("LEEWAY"), ["LEEWAY", "0", "restart", "default"]);
    assert!(out
        .stdout
        .contains("signing key: from JWTD_SIGNING_KEY (the environment); not shown"));
    assert!(!out.stdout.contains(KEY), "the key is never printed");

    let out = run_with(&dir, &["config", "--json"], "", &[("JWTD_LEEWAY", "5")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let leeway = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "LEEWAY")
        .unwrap();
    assert_eq!(leeway["value"], 5);
    assert_eq!(leeway["source"], "environment");
    assert!(v["signing_key"]
        .as_str()
        .unwrap()
        .starts_with("the database"));

    let help = run(&dir, &["config", "--help"], "");
    assert!(
        help.stdout.contains("Usage: jwtd config"),
        "{}",
        help.stdout
    );
    assert!(run(&dir, &["--help"], "").stdout.contains("  config "));
}
