use super::*;

/// `JWTD_*` pairs as `Settings::load` takes them.
pub(super) fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Settings from defaults and `pairs` only.
pub(super) fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::load(None, env(pairs)).map(|loaded| loaded.settings)
}

#[test]
fn defaults_are_the_seed_values() {
    let s = Settings::default();
    assert_eq!(s.access_token_lifetime, 3600);
    assert_eq!(s.refresh_token_lifetime, 86400);
    assert!(s.rotate_refresh_tokens && s.blacklist_after_rotation);
    assert!(!s.update_last_login && !s.check_revoke_token);
    assert_eq!(s.algorithm, Algorithm::HS256);
    assert_eq!(s.auth_header_types, ["Bearer"]);
    assert_eq!(s.auth_header(), "authorization");
    assert_eq!(s.password_iterations, 1_000_000);
    assert_eq!(s.token_type_claim.as_deref(), Some("token_type"));
}

#[test]
fn connections_per_address_default_to_a_quarter_unless_behind_proxies() {
    let per_address = |pairs: &[(&str, &str)]| load(pairs).unwrap().connections_per_address();
    assert_eq!(per_address(&[]), 256);
    assert_eq!(per_address(&[("JWTD_MAX_CONNECTIONS", "50")]), 12);
    assert_eq!(per_address(&[("JWTD_MAX_CONNECTIONS", "2")]), 1);
    assert_eq!(per_address(&[("JWTD_NUM_PROXIES", "1")]), 1024);
    assert_eq!(
        per_address(&[("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "10")]),
        10
    );
    assert_eq!(
        per_address(&[
            ("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "10"),
            ("JWTD_NUM_PROXIES", "1")
        ]),
        10,
        "a value set wins"
    );
    assert_eq!(
        per_address(&[("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "0")]),
        1024
    );
    assert_eq!(
        per_address(&[
            ("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "5000"),
            ("JWTD_MAX_CONNECTIONS", "100")
        ]),
        100
    );
    let e = load(&[("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "-1")]).unwrap_err();
    assert_eq!(e.setting, "MAX_CONNECTIONS_PER_ADDRESS");
}
