//! `POST /api/admin/users/`: validation, and the hash on the login pool.

use crate::api::body;
use crate::api::endpoints::admin::validation::{
    validate_bool, PASSWORD_WHITESPACE, USERNAME_INVALID, USERNAME_TOO_LONG,
};
use crate::api::messages::NULL_CHARACTERS;

use super::*;

#[test]
fn create_then_log_in_as_the_new_user() {
    let f = fixture();
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"bob","password":"s3cret pass"}"#,
    );
    let body = r#"{"id":5,"username":"bob","email":"","first_name":"","last_name":"","is_active":true,"is_staff":false,"is_superuser":false,"date_joined":"2025-01-01T00:00:00Z","last_login":null}"#;
    expect(&r, ALLOW_LIST, 201, body);
    assert_eq!(
        r.header("Location"),
        None,
        "DRF sends none without a `url` field"
    );
    login(&f.app, "bob", "s3cret pass");
    let stored = f.app.auth.store().user(5).unwrap().unwrap();
    assert!(stored.password.starts_with("pbkdf2_sha256$1000$"));
    // Form-encoded, with flags; booleans left out keep the model's defaults.
    let form = OwnedRequest::new("POST", USERS)
        .header("Authorization", format!("Bearer {}", f.root))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=carol&password=pw-Zebra-42&is_staff=on&is_superuser=1");
    let v = json(&send(&f.app, &form));
    assert_eq!(
        (
            &v["id"],
            &v["is_active"],
            &v["is_staff"],
            &v["is_superuser"]
        ),
        (
            &Value::from(6),
            &Value::Bool(true),
            &Value::Bool(true),
            &Value::Bool(true)
        )
    );
    // Trimmed username, inactive account: exists, cannot log in.
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"  dave ","password":"pw-Zebra-42","is_active":false}"#,
    );
    assert_eq!(json(&r)["username"], "dave");
    assert_eq!(try_login(&f.app, "dave", "pw-Zebra-42"), 401);
    // A new superuser can use the admin API at once.
    let carol = login(&f.app, "carol", "pw-Zebra-42").1;
    assert_eq!(f.call_as(&carol, "GET", USERS, "").status, 200);
}

#[test]
fn create_validation_errors_are_drf_s() {
    let f = fixture();
    let post = |body: &str| f.call("POST", USERS, body);
    let long = "x".repeat(151);
    let cases: Vec<(String, String)> = vec![
        (
            "{}".into(),
            errors(&[
                ("username", &["This field is required."]),
                ("password", &["This field is required."]),
            ]),
        ),
        (
            r#"{"username":" ","password":""}"#.into(),
            errors(&[
                ("username", &["This field may not be blank."]),
                ("password", &["This field may not be blank."]),
            ]),
        ),
        (
            r#"{"username":null,"password":null,"is_active":null}"#.into(),
            errors(&[
                ("username", &["This field may not be null."]),
                ("password", &["This field may not be null."]),
                ("is_active", &["This field may not be null."]),
            ]),
        ),
        (
            r#"{"username":true,"password":["x"]}"#.into(),
            errors(&[
                ("username", &["Not a valid string."]),
                ("password", &["Not a valid string."]),
            ]),
        ),
        (
            r#"{"username":"a b","password":"pw-Zebra-42"}"#.into(),
            errors(&[("username", &[USERNAME_INVALID])]),
        ),
        (
            format!(r#"{{"username":"{long}","password":"pw-Zebra-42"}}"#),
            errors(&[("username", &[USERNAME_TOO_LONG])]),
        ),
        (
            format!(r#"{{"username":"{long} x","password":"pw-Zebra-42"}}"#),
            errors(&[("username", &[USERNAME_INVALID, USERNAME_TOO_LONG])]),
        ),
        (
            r#"{"username":"alice","password":"pw-Zebra-42"}"#.into(),
            errors(&[("username", &["A user with that username already exists."])]),
        ),
        (
            r#"{"username":"a\u0000b","password":"p\u0000w"}"#.into(),
            errors(&[
                ("username", &[USERNAME_INVALID, NULL_CHARACTERS]),
                ("password", &[NULL_CHARACTERS]),
            ]),
        ),
        (
            r#"{"username":"\ud800","password":"\ud800"}"#.into(),
            errors(&[
                ("username", &[USERNAME_INVALID, "Surrogate characters are not allowed: U+D800."]),
                ("password", &["Surrogate characters are not allowed: U+D800."]),
            ]),
        ),
        // Django's password validators, every message, beside the other
        // fields' errors; compared with the username sent, valid or not.
        (
            r#"{"username":"bob","password":"bob12"}"#.into(),
            errors(&[(
                "password",
                &[
                    "The password is too similar to the username.",
                    "This password is too short. It must contain at least 8 characters.",
                ],
            )]),
        ),
        (
            r#"{"username":"a b","password":"12345678"}"#.into(),
            errors(&[
                ("username", &[USERNAME_INVALID]),
                (
                    "password",
                    &[
                        "This password is too common.",
                        "This password is entirely numeric.",
                    ],
                ),
            ]),
        ),
        (
            r#"{"username":"bob","password":" pw"}"#.into(),
            errors(&[("password", &[PASSWORD_WHITESPACE])]),
        ),
        (
            r#"{"username":"bob","password":"pw\n"}"#.into(),
            errors(&[("password", &[PASSWORD_WHITESPACE])]),
        ),
        (
            r#"{"username":"bob","password":"pw-Zebra-42","is_active":"maybe","is_staff":2,"is_superuser":{}}"#
                .into(),
            errors(&[
                ("is_active", &["Must be a valid boolean."]),
                ("is_staff", &["Must be a valid boolean."]),
                ("is_superuser", &["Must be a valid boolean."]),
            ]),
        ),
        (
            "null".into(),
            r#"{"non_field_errors":["No data provided"]}"#.into(),
        ),
        (
            "[1]".into(),
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#.into(),
        ),
    ];
    for (body, expected) in cases {
        let r = post(&body);
        expect(&r, ALLOW_LIST, 400, &expected);
    }
    // Numbers are strings to a CharField.
    let r = post(r#"{"username":123,"password":12345.678901}"#);
    assert_eq!(r.status, 201, "{}", r.text());
    login(&f.app, "123", "12345.678901");
    // The body parsers' own refusals.
    let r = send(
        &f.app,
        &OwnedRequest::new("POST", USERS)
            .header("Authorization", format!("Bearer {}", f.root))
            .header("Content-Type", "text/plain")
            .body("x"),
    );
    expect(
        &r,
        ALLOW_LIST,
        415,
        r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#,
    );
    assert!(post("{")
        .text()
        .starts_with(r#"{"detail":"JSON parse error - "#));
    assert_eq!(
        f.app.auth.store().users_page(0, 0).unwrap().0,
        5,
        "nothing else was added"
    );
}

#[test]
fn booleans_take_drf_s_true_and_false_values() {
    for (value, expected) in [
        ("true", Some(true)),
        ("false", Some(false)),
        ("1", Some(true)),
        ("0", Some(false)),
        ("1.0", Some(true)),
        ("-0.0", Some(false)),
        ("1e0", Some(true)),
        (r#""yes""#, Some(true)),
        (r#""YES""#, Some(true)),
        (r#""Yes""#, None),
        (r#""on""#, Some(true)),
        (r#""Off""#, Some(false)),
        (r#""t""#, Some(true)),
        (r#""N""#, Some(false)),
        (r#""1""#, Some(true)),
        (r#""0""#, Some(false)),
        (r#""1.0""#, None),
        (r#""""#, None),
        (r#""null""#, None),
        ("2", None),
        ("[]", None),
    ] {
        let body = format!(r#"{{"is_staff":{value}}}"#);
        let [raw] =
            body::parse_values(Some(b"application/json"), body.as_bytes(), ["is_staff"]).unwrap();
        let got = validate_bool(raw).ok().flatten();
        assert_eq!(got, expected, "{value}");
    }
}

#[test]
fn a_full_login_pool_answers_429_to_what_needs_a_hash() {
    // Two applications over one store: one logs root in, the other has no
    // room on its login pool.
    let store = Arc::new(crate::store::Store::open_in_memory().unwrap());
    let open = |login_queue| {
        let settings = Settings {
            login_queue,
            ..settings()
        };
        App::with_store(settings, KEY, NOW, JtiSource::counter(), store.clone()).unwrap()
    };
    let (normal, full) = (open(64), open(0));
    store
        .add_user(NewUser {
            id: None,
            user: User {
                is_staff: true,
                is_superuser: true,
                ..User::active(0, "root", make_password(PASSWORD, 1000).unwrap())
            },
        })
        .unwrap();
    let root = login(&normal, "root", PASSWORD).1;
    let request = |target: &str, method: &str, body: &str| {
        OwnedRequest::new(method, target)
            .header("Authorization", format!("Bearer {root}"))
            .header("Content-Type", "application/json")
            .body(body)
    };
    let r = send(
        &full,
        &request(
            USERS,
            "POST",
            r#"{"username":"bob","password":"pw-Zebra-42"}"#,
        ),
    );
    expect(
        &r,
        ALLOW_LIST,
        429,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#,
    );
    assert_eq!(r.header("Retry-After"), Some("1"));
    let r = send(
        &full,
        &request(
            "/api/admin/users/1/",
            "PATCH",
            r#"{"password":"pw-Zebra-42"}"#,
        ),
    );
    assert_eq!((r.status, r.header("Allow")), (429, Some(ALLOW_USER)));
    // A change without a password needs no hash.
    let r = send(
        &full,
        &request("/api/admin/users/1/", "PATCH", r#"{"is_staff":false}"#),
    );
    assert_eq!(r.status, 200);
    assert_eq!(store.user_by_name("bob").unwrap(), None);
}

#[test]
fn the_password_validators_can_be_turned_off() {
    let f = fixture_with(Settings {
        auth_password_validators: Vec::new(),
        ..settings()
    });
    let r = f.call("POST", USERS, r#"{"username":"bob","password":"bob"}"#);
    assert_eq!(r.status, 201, "{}", r.text());
    login(&f.app, "bob", "bob");
}
