//! What the four POST views share (reference 1.1): the method first, then
//! DRF's parsers and `CharField`s on every body format.

use super::*;

#[test]
fn token_views_answer_other_methods_with_405() {
    let app = app();
    for (path, _) in TOKEN_VIEWS {
        for method in ["GET", "PUT", "PATCH", "DELETE", "HEAD"] {
            // A body and a Content-Type change nothing: the method is checked first.
            for request in [
                OwnedRequest::new(method, path),
                OwnedRequest::new(method, path)
                    .header("Content-Type", "text/plain")
                    .body("{"),
            ] {
                let r = send(&app, &request);
                expect_view(&r, 405, &method_detail(method));
            }
        }
    }
    // The HEAD body is not sent, but its length is DRF's Content-Length.
    let r = send(&app, &OwnedRequest::new("HEAD", OBTAIN));
    assert_eq!(r.body.len(), 41);
}

#[test]
fn token_views_refuse_unsupported_media_types_with_415() {
    let app = app();
    for (path, _) in TOKEN_VIEWS {
        for content_type in [
            "text/plain; charset=utf-8",
            "application/vnd.api+json",
            "text/html",
            "application/xml",
        ] {
            let r = send(
                &app,
                &OwnedRequest::new("POST", path)
                    .header("Content-Type", content_type)
                    .body(r#"{"username":"alice"}"#),
            );
            let body =
                format!(r#"{{"detail":"Unsupported media type \"{content_type}\" in request."}}"#);
            expect_view(&r, 415, &body);
        }
        // A body without a Content-Type echoes "".
        let r = send(&app, &OwnedRequest::new("POST", path).body("{}"));
        expect_view(
            &r,
            415,
            r#"{"detail":"Unsupported media type \"\" in request."}"#,
        );
    }
}

#[test]
fn token_views_treat_an_empty_body_as_no_fields() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        let expected = required(fields);
        for content_type in [
            None,
            Some("application/json"),
            Some("text/plain"),
            Some("multipart/form-data"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = OwnedRequest::new("POST", path);
            if let Some(ct) = content_type {
                request = request.header("Content-Type", ct);
            }
            let r = send(&app, &request);
            expect_view(&r, 400, &expected);
        }
    }
}

#[test]
fn token_views_report_malformed_json_with_the_parse_error_prefix() {
    let app = app();
    let bodies: [&[u8]; 6] = [
        br#"{"username": "#,
        br#"{"username":"alice","password":"x"} trailing"#,
        br#"{"username":NaN}"#,
        b"{\"username\":\"\xff\"}",
        b"\xef\xbb\xbf{}",
        b"{'username':'alice'}",
    ];
    for (path, _) in TOKEN_VIEWS {
        for body in bodies {
            let r = send(
                &app,
                &OwnedRequest::new("POST", path)
                    .header("Content-Type", "application/json")
                    .body(body),
            );
            let text = r.text().to_owned();
            assert!(
                text.starts_with(r#"{"detail":"JSON parse error - "#) && text.ends_with("\"}"),
                "{path} {body:?}: {text}"
            );
            // Exactly one member: the detail.
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v.as_object().unwrap().len(), 1, "{text}");
            expect_view(&r, 400, &text);
        }
    }
    // The suffixes the reference shows where Python's wording is reproduced.
    let r = send(
        &app,
        &OwnedRequest::post_json(OBTAIN, "").body(b"\xef\xbb\xbf{}".as_slice()),
    );
    expect_view(
        &r,
        400,
        r#"{"detail":"JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"}"#,
    );
}

#[test]
fn token_views_answer_json_null_with_no_data_provided() {
    let app = app();
    for (path, _) in TOKEN_VIEWS {
        for body in ["null", " null\n"] {
            let r = post(&app, path, body);
            expect_view(&r, 400, r#"{"non_field_errors":["No data provided"]}"#);
        }
    }
}

#[test]
fn token_views_refuse_multipart_without_a_boundary() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        let r = send(
            &app,
            &OwnedRequest::new("POST", path)
                .header("Content-Type", "multipart/form-data")
                .body("username=alice"),
        );
        expect_view(
            &r,
            400,
            r#"{"detail":"Multipart form parse error - Invalid boundary in multipart: None"}"#,
        );
        // Form and multipart bodies without any known field parse as {}.
        let r = send(
            &app,
            &OwnedRequest::new("POST", path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("other=1"),
        );
        expect_view(&r, 400, &required(fields));
        let r = send(
            &app,
            &OwnedRequest::new("POST", path)
                .header("Content-Type", "multipart/form-data; boundary=B0und")
                .body(multipart("B0und", &[("other", "1")])),
        );
        expect_view(&r, 400, &required(fields));
    }
}

#[test]
fn token_views_refuse_json_that_is_not_an_object() {
    let app = app();
    let cases = [
        ("[]", "list"),
        (r#"[{"username":"alice"}]"#, "list"),
        (r#""alice""#, "str"),
        ("1", "int"),
        ("-0", "int"),
        ("5.5", "float"),
        ("1e3", "float"),
        ("true", "bool"),
        ("false", "bool"),
    ];
    for (path, _) in TOKEN_VIEWS {
        for (body, kind) in cases {
            let r = post(&app, path, body);
            let expected = format!(
                r#"{{"non_field_errors":["Invalid data. Expected a dictionary, but got {kind}."]}}"#
            );
            expect_view(&r, 400, &expected);
        }
    }
}

#[test]
fn token_views_list_missing_fields_in_declared_order() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        expect_view(&post(&app, path, "{}"), 400, &required(fields));
        expect_view(
            &post(&app, path, r#"{"unrelated":"x"}"#),
            400,
            &required(fields),
        );
    }
    // Only the missing field appears.
    expect_view(
        &post(&app, OBTAIN, r#"{"password":"x"}"#),
        400,
        r#"{"username":["This field is required."]}"#,
    );
    expect_view(
        &post(&app, OBTAIN, r#"{"username":"alice"}"#),
        400,
        r#"{"password":["This field is required."]}"#,
    );
    // Errors follow the declared order, not the body's.
    expect_view(
        &post(&app, OBTAIN, r#"{"password":null,"username":""}"#),
        400,
        r#"{"username":["This field may not be blank."],"password":["This field may not be null."]}"#,
    );
}

#[test]
fn token_views_validate_each_field_as_a_drf_charfield() {
    let app = app();
    let cases = [
        (r#""""#, "This field may not be blank."),
        (r#""   ""#, "This field may not be blank."),
        (r#""\t\n \r""#, "This field may not be blank."),
        ("null", "This field may not be null."),
        ("[]", "Not a valid string."),
        (r#"["alice"]"#, "Not a valid string."),
        ("{}", "Not a valid string."),
        (r#"{"a":"b"}"#, "Not a valid string."),
        ("true", "Not a valid string."),
        ("false", "Not a valid string."),
        (r#""a\u0000b""#, "Null characters are not allowed."),
        (r#""\u0000""#, "Null characters are not allowed."),
    ];
    for (path, fields) in TOKEN_VIEWS {
        for (i, field) in fields.iter().enumerate() {
            for (bad, message) in cases {
                // The other fields are valid strings, so only this one is reported.
                let members: Vec<(&str, String)> = fields
                    .iter()
                    .enumerate()
                    .map(|(j, f)| (*f, if i == j { bad.to_owned() } else { js("x") }))
                    .collect();
                let r = post(&app, path, &object(&members));
                expect_view(&r, 400, &field_errors(&[(field, message)]));
            }
        }
        // Every field bad: all reported, in declared order.
        let members: Vec<(&str, String)> = fields.iter().map(|f| (*f, "null".into())).collect();
        let errors: Vec<(&str, &str)> = fields
            .iter()
            .map(|f| (*f, "This field may not be null."))
            .collect();
        expect_view(
            &post(&app, path, &object(&members)),
            400,
            &field_errors(&errors),
        );
    }
}

#[test]
fn token_views_accept_numbers_as_strings() {
    let app = app();
    // User "123" has the password "1.5".
    for body in [
        r#"{"username":123,"password":1.5}"#,
        r#"{"username":"123","password":"1.5"}"#,
    ] {
        expect_success(OBTAIN, &post(&app, OBTAIN, body));
    }
    // Numbers reach the token check and fail there, never as field errors.
    for (path, fields) in &TOKEN_VIEWS[1..] {
        for number in ["123", "1.5", "-7"] {
            let r = post(&app, path, &object(&[(fields[0], number.to_owned())]));
            expect_view(&r, 401, &not_valid("Token is invalid"));
        }
    }
}

#[test]
fn token_views_ignore_unknown_keys_and_take_the_last_duplicate() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        // Unknown keys, anywhere, of any type.
        let good = good_values(&app, path);
        let mut members = vec![("extra", r#"[1,{"a":null}]"#.to_owned())];
        members.extend(fields.iter().zip(&good).map(|(f, v)| (*f, js(v))));
        members.push(("zzz", "null".to_owned()));
        expect_success(path, &post(&app, path, &object(&members)));

        let (bad, refused) = bad_values(path);
        for (i, field) in fields.iter().enumerate() {
            // bad then good: the good value wins.
            let good = good_values(&app, path);
            let mut members: Vec<(&str, String)> =
                fields.iter().zip(&good).map(|(f, v)| (*f, js(v))).collect();
            members.insert(i, (field, js(&bad[i])));
            expect_success(path, &post(&app, path, &object(&members)));
            // good then bad: the bad value wins.
            let good = good_values(&app, path);
            let mut members: Vec<(&str, String)> =
                fields.iter().zip(&good).map(|(f, v)| (*f, js(v))).collect();
            members.insert(i + 1, (field, js(&bad[i])));
            expect_view(&post(&app, path, &object(&members)), 401, &refused);
        }
    }
}

#[test]
fn token_views_trim_whitespace_including_the_password() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        for pad in [" ", "\t", "\n", " \r\n\t "] {
            let padded: Vec<String> = good_values(&app, path)
                .iter()
                .map(|v| format!("{pad}{v}{pad}"))
                .collect();
            expect_success(path, &post(&app, path, &object_of(fields, &padded)));
        }
    }
    // The trimmed password is the one checked: a password that really ends
    // with a space cannot be presented.
    let body = format!(
        r#"{{"username":" alice ","password":{}}}"#,
        js(&format!(" {PASSWORD} "))
    );
    expect_success(OBTAIN, &post(&app, OBTAIN, &body));
}

#[test]
fn token_views_accept_form_and_multipart_bodies() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        let values = good_values(&app, path);
        let form: Vec<String> = fields
            .iter()
            .zip(&values)
            .map(|(f, v)| format!("{f}={}", form_encode(&format!(" {v} "))))
            .collect();
        for content_type in [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "Application/X-WWW-Form-URLEncoded",
        ] {
            let values = good_values(&app, path);
            let form: Vec<String> = fields
                .iter()
                .zip(&values)
                .map(|(f, v)| format!("{f}={}", form_encode(v)))
                .collect();
            let r = send(
                &app,
                &OwnedRequest::new("POST", path)
                    .header("Content-Type", content_type)
                    .body(form.join("&")),
            );
            expect_success(path, &r);
        }
        // Padded values are trimmed in forms too.
        let r = send(
            &app,
            &OwnedRequest::new("POST", path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.join("&")),
        );
        expect_success(path, &r);

        let values = good_values(&app, path);
        let parts: Vec<(&str, &str)> = fields
            .iter()
            .zip(&values)
            .map(|(f, v)| (*f, v.as_str()))
            .collect();
        let r = send(
            &app,
            &OwnedRequest::new("POST", path)
                .header("Content-Type", "multipart/form-data; boundary=----jwtd42")
                .body(multipart("----jwtd42", &parts)),
        );
        expect_success(path, &r);
    }
    // JSON media types match case-insensitively and honour charset.
    for content_type in ["Application/JSON", "application/json; charset=utf-8"] {
        let r = send(
            &app,
            &OwnedRequest::new("POST", OBTAIN)
                .header("Content-Type", content_type)
                .body(object_of(
                    &["username", "password"],
                    &good_values(&app, OBTAIN),
                )),
        );
        expect_success(OBTAIN, &r);
    }
}
