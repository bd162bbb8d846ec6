//! `contrib/jwtd.service`: the unit runs the real command line with the
//! sandboxing the README promises, and systemd accepts it.

use std::process::Command;

use crate::support::TempDir;

const UNIT: &str = include_str!("../../contrib/jwtd.service");

/// `(section, key, value)` for every assignment, comments skipped.
fn directives() -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in UNIT.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key=value: {line}"));
        out.push((
            section.clone(),
            key.trim().to_owned(),
            value.trim().to_owned(),
        ));
    }
    out
}

fn value(key: &str) -> Option<String> {
    directives()
        .into_iter()
        .find(|(s, k, _)| s == "Service" && k == key)
        .map(|(_, _, v)| v)
}

#[test]
fn the_unit_is_sandboxed_and_restarts() {
    let sections: Vec<String> = directives().into_iter().map(|(s, _, _)| s).collect();
    for section in ["Unit", "Service", "Install"] {
        assert!(sections.iter().any(|s| s == section), "no [{section}]");
    }
    assert_eq!(value("DynamicUser").as_deref(), Some("yes"));
    assert_eq!(value("StateDirectory").as_deref(), Some("jwtd"));
    assert_eq!(value("ProtectSystem").as_deref(), Some("strict"));
    assert_eq!(value("NoNewPrivileges").as_deref(), Some("yes"));
    assert_eq!(value("Restart").as_deref(), Some("on-failure"));
    assert_eq!(value("KillSignal").as_deref(), Some("SIGTERM"));
    assert_eq!(
        value("ExecReload").as_deref(),
        Some("/bin/kill -HUP $MAINPID")
    );
    assert_eq!(value("CapabilityBoundingSet").as_deref(), Some(""));
    // The command line is one jwtd accepts, with its database in the state directory.
    let exec = value("ExecStart").unwrap();
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    let parsed = jwtd::cli::parse(args.iter().map(|a| a.to_string()), |_| None).unwrap();
    assert!(matches!(parsed.command, jwtd::cli::Command::Serve { .. }));
    let db = parsed.db.file().expect("a redb file");
    assert!(db.starts_with("/var/lib/jwtd"), "{db:?}");
}

#[test]
fn systemd_analyze_verify_accepts_the_unit() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: the unit was checked by parsing only");
        return;
    };
    assert!(version.status.success());
    // verify wants the ExecStart binary to exist: point it at the one under test.
    let dir = TempDir::new();
    let unit = dir.path().join("jwtd.service");
    std::fs::write(
        &unit,
        UNIT.replace("/usr/local/bin/jwtd", env!("CARGO_BIN_EXE_jwtd")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {stderr}"
    );
}

#[test]
fn the_readme_installs_the_documentation_the_unit_names() {
    let readme = include_str!("../../README.md");
    let documentation = directives()
        .into_iter()
        .find(|(s, k, _)| s == "Unit" && k == "Documentation")
        .map(|(_, _, v)| v)
        .expect("no Documentation=");
    let path = documentation
        .strip_prefix("file:")
        .expect("Documentation= is a file: URI");
    assert!(
        readme.lines().any(|l| l.contains("install")
            && l.contains("README.md")
            && l.trim_end().contains(path)),
        "README.md never installs {path}, which the unit's Documentation= names"
    );
}
