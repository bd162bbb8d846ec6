//! The settings in force: `jwtd config`, the start-up log line naming the
//! settings that differ from the defaults, and SIGHUP reloading the
//! settings file and the key file on a running server.

use crate::support::*;

/// The README's settings table has a row for every setting the server
/// reads, in the order of `config::SETTINGS` (which `jwtd config` prints),
/// and no row for a setting it does not read (the `CORS_*` rows aside in a
/// build without the `cors` feature).
#[test]
fn the_readme_settings_table_lists_every_setting_in_order() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("### Settings")
        .nth(1)
        .expect("README has a Settings section");
    let rows: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| Setting |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        // A build without the `cors` feature has no CORS_* settings.
        .filter(|name| cfg!(feature = "cors") || !name.starts_with("CORS_"))
        .collect();
    let names: Vec<&str> = jwtd::config::SETTINGS.iter().map(|s| s.name).collect();
    assert_eq!(
        rows, names,
        "README's settings table against config::SETTINGS"
    );
}

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

/// The payload of a token.
fn payload(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let segment = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Logs in as alice on the open connection `stream`, which stays open.
fn login_on(stream: &mut std::net::TcpStream) -> (String, serde_json::Value) {
    use std::io::Write as _;
    let body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    let request = format!(
        "POST /api/token/ HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let response = read_response(stream, false).expect("the connection is still open");
    assert_eq!(response.status, 200, "{}", response.body);
    let access = response.json()["access"].as_str().unwrap().to_owned();
    let claims = payload(&access);
    (access, claims)
}

fn lifetime(claims: &serde_json::Value) -> u64 {
    claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap()
}

/// The log's lines that contain `text`, once one does.
fn wait_for_line(server: &Server, text: &str) -> String {
    assert!(
        server.log_eventually_contains(text),
        "no {text:?} in the log:\n{}",
        server.log()
    );
    server
        .log()
        .lines()
        .filter(|line| line.contains(text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sighup_reloads_the_settings_and_the_key_file_on_a_running_server() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let file = dir.path().join("settings.json");
    std::fs::write(&file, r#"{"ACCESS_TOKEN_LIFETIME": 300}"#).unwrap();
    let key_file = dir.path().join("signing.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let server = Server::start(
        &dir,
        &[
            ("JWTD_SIGNING_KEY", "<none>"),
            ("JWTD_SIGNING_KEY_FILE", key_file.to_str().unwrap()),
            ("JWTD_CONFIG", file.to_str().unwrap()),
            ("JWTD_ROTATE_REFRESH_TOKENS", "false"),
        ],
    );
    let started = wait_for_line(&server, "settings: ");
    assert!(
        started.contains("ACCESS_TOKEN_LIFETIME=300 (file)")
            && started.contains("ROTATE_REFRESH_TOKENS=false (environment)")
            && started.contains("PASSWORD_ITERATIONS=1000 (environment)"),
        "{started}"
    );
    assert!(!server.log().contains(KEY), "the key is never logged");

    // One connection, kept open across the reloads.
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let (old_access, claims) = login_on(&mut stream);
    assert_eq!(lifetime(&claims), 300);

    // A live setting, a restart-only one, and a new key.
    std::fs::write(&file, r#"{"ACCESS_TOKEN_LIFETIME": 120, "WORKERS": 3}"#).unwrap();
    let new_key = "a-new-e2e-signing-key-0123456789abcdef0123456789";
    std::fs::write(&key_file, new_key).unwrap();
    signal(server.pid(), "HUP");
    let applied = wait_for_line(&server, "settings reloaded: ");
    assert!(
        applied.contains("ACCESS_TOKEN_LIFETIME 300 -> 120"),
        "{applied}"
    );
    assert!(!applied.contains("WORKERS"), "{applied}");
    let restart = wait_for_line(&server, "need a restart");
    assert!(restart.contains("WORKERS "), "{restart}");
    assert!(!restart.contains("ACCESS_TOKEN_LIFETIME"), "{restart}");
    wait_for_line(
        &server,
        &format!("signing key reloaded from {}", key_file.display()),
    );
    assert!(!server.log().contains(new_key), "the key is never logged");

    let (new_access, claims) = login_on(&mut stream);
    assert_eq!(lifetime(&claims), 120, "the live setting took effect");
    let verify = |token: &str| {
        server
            .post_json("/api/token/verify/", &format!(r#"{{"token":"{token}"}}"#))
            .status
    };
    assert_eq!(verify(&new_access), 200, "signed with the new key");
    assert_eq!(verify(&old_access), 401, "the old key is gone");

    // Nothing changed: said so.
    std::fs::write(&file, r#"{"ACCESS_TOKEN_LIFETIME": 120}"#).unwrap();
    signal(server.pid(), "HUP");
    wait_for_line(&server, "settings reloaded: nothing changed");

    // A broken file: a warning, and the settings in force are kept.
    std::fs::write(&file, r#"{"ACCESS_TOKEN_LIFETIME": "#).unwrap();
    signal(server.pid(), "HUP");
    wait_for_line(&server, "cannot reload the settings");
    let (_, claims) = login_on(&mut stream);
    assert_eq!(lifetime(&claims), 120, "still serving, as it was");

    drop(stream);
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("stopped"), "{log}");
}
