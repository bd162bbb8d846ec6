//! `email`, `first_name` and `last_name`: created, changed, listed, with
//! DRF's messages; a repeated email refused when emails are the login
//! field.

use super::*;

#[test]
fn names_and_email_are_created_changed_and_shown() {
    let f = fixture();
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"bob","password":"s3cret pass","email":" bob@example.com ","first_name":" Bob","last_name":"Ng "}"#,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(
        r.text()
            .contains(r#""username":"bob","email":"bob@example.com","first_name":"Bob","last_name":"Ng","is_active""#),
        "{}",
        r.text()
    );
    let r = f.call(
        "PATCH",
        "/api/admin/users/5/",
        r#"{"email":"","last_name":"Ngata"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text()
            .contains(r#""email":"","first_name":"Bob","last_name":"Ngata""#),
        "{}",
        r.text()
    );
    let stored = f.app.auth.store().user(5).unwrap().unwrap();
    assert_eq!(
        (stored.email.as_str(), stored.last_name.as_str()),
        ("", "Ngata")
    );
    // Emails need not be unique while users log in by username.
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"email":"bob@example.com"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = f.call(
        "PATCH",
        "/api/admin/users/3/",
        r#"{"email":"bob@example.com"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn profile_validation_errors_are_drf_s() {
    let f = fixture();
    let long_name = "é".repeat(151);
    let long_email = format!("{}@example.com", "a".repeat(243));
    for (body, expected) in [
        (
            r#"{"email":"bob@","first_name":null,"last_name":true}"#.to_owned(),
            errors(&[
                ("email", &["Enter a valid email address."]),
                ("first_name", &["This field may not be null."]),
                ("last_name", &["Not a valid string."]),
            ]),
        ),
        (
            format!(r#"{{"email":"{long_email}","first_name":"{long_name}"}}"#),
            errors(&[
                (
                    "email",
                    &["Ensure this field has no more than 254 characters."],
                ),
                (
                    "first_name",
                    &["Ensure this field has no more than 150 characters."],
                ),
            ]),
        ),
        (
            r#"{"email":"a\u0000@example.com","last_name":"x\u0000"}"#.to_owned(),
            errors(&[
                (
                    "email",
                    &[
                        "Null characters are not allowed.",
                        "Enter a valid email address.",
                    ],
                ),
                ("last_name", &["Null characters are not allowed."]),
            ]),
        ),
    ] {
        let r = f.call("PATCH", "/api/admin/users/2/", &body);
        expect(&r, ALLOW_USER, 400, &expected);
    }
    // A number is a string to DRF's CharField.
    let r = f.call("PATCH", "/api/admin/users/2/", r#"{"first_name":42}"#);
    assert!(r.text().contains(r#""first_name":"42""#), "{}", r.text());
}

#[test]
fn a_taken_email_is_refused_when_users_log_in_by_email() {
    let settings = Settings {
        username_field: "email".into(),
        ..settings()
    };
    let app = App::in_memory(settings, KEY, NOW, JtiSource::counter()).unwrap();
    let hash = make_password(PASSWORD, 1000).unwrap();
    for (id, name, email, superuser) in [
        (1, "root", "root@example.com", true),
        (2, "alice", "alice@example.com", false),
    ] {
        let user = User {
            is_staff: superuser,
            is_superuser: superuser,
            email: email.into(),
            ..User::active(id, name, hash.clone())
        };
        app.auth
            .store()
            .add_user(NewUser { id: Some(id), user })
            .unwrap();
    }
    let body = serde_json::json!({"email": "root@example.com", "password": PASSWORD});
    let r = send(
        &app,
        &OwnedRequest::post_json("/api/token/", &body.to_string()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let root = json(&r)["access"].as_str().unwrap().to_owned();
    let f = Fixture { app, root };
    let taken = errors(&[("email", &["user with this email address already exists."])]);
    let r = f.call(
        "PATCH",
        "/api/admin/users/1/",
        r#"{"email":"alice@example.com"}"#,
    );
    expect(&r, ALLOW_USER, 400, &taken);
    // Its own email is not taken by itself.
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"email":"alice@example.com"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"bob","password":"s3cret pass","email":"alice@example.com"}"#,
    );
    expect(&r, ALLOW_LIST, 400, &taken);
    // An exact match: another case is another email, as Django's default.
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"bob","password":"s3cret pass","email":"Alice@example.com"}"#,
    );
    assert_eq!(r.status, 201, "{}", r.text());
}
