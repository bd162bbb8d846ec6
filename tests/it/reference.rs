//! The error cases of the reference (simplejwt-5.5.1.md section 1), sent to
//! the real binary: exact status and body for each.

use jwtd::jwt::{self, Algorithm, Key};

use crate::support::*;

/// A token signed with the server's key from raw payload JSON.
fn forge(payload: &str) -> String {
    let key = Key::new(Algorithm::HS256, KEY.as_bytes()).unwrap();
    jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes()).unwrap()
}

fn now() -> u64 {
    jwtd::time::now_seconds()
}

struct Case {
    method: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    authorization: Option<String>,
    body: String,
    status: u16,
    response: String,
}

fn post(path: &'static str, json: &str, status: u16, response: &str) -> Case {
    Case {
        method: "POST",
        path,
        content_type: Some("application/json"),
        authorization: None,
        body: json.to_owned(),
        status,
        response: response.to_owned(),
    }
}

fn bearer(header: &str, status: u16, response: &str) -> Case {
    Case {
        method: "GET",
        path: "/api/protected/",
        content_type: None,
        authorization: Some(header.to_owned()),
        body: String::new(),
        status,
        response: response.to_owned(),
    }
}

const INVALID: &str = r#"{"detail":"Token is invalid","code":"token_not_valid"}"#;
const REQUIRED_BOTH: &str =
    r#"{"username":["This field is required."],"password":["This field is required."]}"#;
const NO_ACCOUNT: &str = r#"{"detail":"No active account found with the given credentials"}"#;
const NO_CREDENTIALS: &str = r#"{"detail":"Authentication credentials were not provided."}"#;

#[test]
fn section_1_error_cases_over_http() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    add_user(&dir, "idle", &["--inactive"]);
    let server = Server::start(&dir, &[]);
    let (refresh, access) = server.login("alice");
    let t = now();
    let expired = forge(&format!(
        r#"{{"token_type":"refresh","exp":{t},"jti":"e1","user_id":"1"}}"#
    ));
    let no_jti = forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"user_id":"1"}}"#,
        t + 60
    ));
    let no_type = forge(&format!(r#"{{"exp":{},"jti":"nt","user_id":"1"}}"#, t + 60));
    let no_exp = forge(r#"{"token_type":"refresh","jti":"ne","user_id":"1"}"#);
    let deleted_user = forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"du","user_id":"99"}}"#,
        t + 60
    ));
    let odd_user = forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"ou","user_id":"abc"}}"#,
        t + 60
    ));
    let string_exp =
        forge(r#"{"token_type":"refresh","exp":"1999999999","jti":"se","user_id":"1"}"#);
    let inactive_access = forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"ia","user_id":"2"}}"#,
        t + 60
    ));
    let nobody_access = forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"na","user_id":"99"}}"#,
        t + 60
    ));
    let anonymous_access = forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"aa"}}"#,
        t + 60
    ));
    let alg_none = format!(
        "{}.{}.",
        jwt::base64url_encode(br#"{"alg":"none","typ":"JWT"}"#),
        access.split('.').nth(1).unwrap()
    );

    let mut cases = vec![
        // 1.1, shared by the POST views.
        post("/api/token/", "", 400, REQUIRED_BOTH),
        post(
            "/api/token/",
            "null",
            400,
            r#"{"non_field_errors":["No data provided"]}"#,
        ),
        post(
            "/api/token/",
            "[1]",
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#,
        ),
        post(
            "/api/token/",
            "\"x\"",
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#,
        ),
        post(
            "/api/token/",
            "5",
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}"#,
        ),
        post(
            "/api/token/",
            "5.5",
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}"#,
        ),
        post(
            "/api/token/",
            "true",
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}"#,
        ),
        post("/api/token/", "{}", 400, REQUIRED_BOTH),
        post(
            "/api/token/",
            r#"{"password":"x"}"#,
            400,
            r#"{"username":["This field is required."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":"","password":"x"}"#,
            400,
            r#"{"username":["This field may not be blank."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":"  ","password":"x"}"#,
            400,
            r#"{"username":["This field may not be blank."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":null,"password":"x"}"#,
            400,
            r#"{"username":["This field may not be null."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":["a"],"password":{}}"#,
            400,
            r#"{"username":["Not a valid string."],"password":["Not a valid string."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":true,"password":"x"}"#,
            400,
            r#"{"username":["Not a valid string."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":"a\u0000b","password":"x"}"#,
            400,
            r#"{"username":["Null characters are not allowed."]}"#,
        ),
        post(
            "/api/token/",
            r#"{"username":123,"password":"x"}"#,
            401,
            NO_ACCOUNT,
        ),
        post(
            "/api/token/",
            &format!(r#"{{"username":" alice ","password":" {PASSWORD} ","extra":1}}"#),
            200,
            "",
        ),
        post(
            "/api/token/",
            &format!(r#"{{"username":"bob","username":"alice","password":"{PASSWORD}"}}"#),
            200,
            "",
        ),
        // 1.2: one failure for every bad credential.
        post(
            "/api/token/",
            r#"{"username":"alice","password":"wrong"}"#,
            401,
            NO_ACCOUNT,
        ),
        post(
            "/api/token/",
            &format!(r#"{{"username":"nobody","password":"{PASSWORD}"}}"#),
            401,
            NO_ACCOUNT,
        ),
        post(
            "/api/token/",
            &format!(r#"{{"username":"idle","password":"{PASSWORD}"}}"#),
            401,
            NO_ACCOUNT,
        ),
        // 1.3: refresh.
        post(
            "/api/token/refresh/",
            "{}",
            400,
            r#"{"refresh":["This field is required."]}"#,
        ),
        post(
            "/api/token/refresh/",
            r#"{"refresh":"garbage"}"#,
            401,
            INVALID,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{alg_none}"}}"#),
            401,
            INVALID,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{expired}"}}"#),
            401,
            r#"{"detail":"Token is expired","code":"token_not_valid"}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{access}"}}"#),
            401,
            r#"{"detail":"Token has wrong type","code":"token_not_valid"}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{no_type}"}}"#),
            401,
            r#"{"detail":"Token has no type","code":"token_not_valid"}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{no_exp}"}}"#),
            401,
            r#"{"detail":"Token has no 'exp' claim","code":"token_not_valid"}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{no_jti}"}}"#),
            401,
            r#"{"detail":"Token has no id","code":"token_not_valid"}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{deleted_user}"}}"#),
            401,
            r#"{"detail":"No active account found for the given token."}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{odd_user}"}}"#),
            401,
            r#"{"detail":"No active account found for the given token."}"#,
        ),
        post(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{string_exp}"}}"#),
            401,
            INVALID,
        ),
        // 1.4: verify.
        post(
            "/api/token/verify/",
            "{}",
            400,
            r#"{"token":["This field is required."]}"#,
        ),
        post("/api/token/verify/", r#"{"token":"x.y.z"}"#, 401, INVALID),
        post(
            "/api/token/verify/",
            &format!(r#"{{"token":"{no_type}"}}"#),
            200,
            "{}",
        ),
        post(
            "/api/token/verify/",
            &format!(r#"{{"token":"{expired}"}}"#),
            401,
            r#"{"detail":"Token is expired","code":"token_not_valid"}"#,
        ),
        // 1.5: blacklist.
        post(
            "/api/token/blacklist/",
            "{}",
            400,
            r#"{"refresh":["This field is required."]}"#,
        ),
        post(
            "/api/token/blacklist/",
            &format!(r#"{{"refresh":"{access}"}}"#),
            401,
            r#"{"detail":"Token has wrong type","code":"token_not_valid"}"#,
        ),
        post(
            "/api/token/blacklist/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
            200,
            "{}",
        ),
        post(
            "/api/token/blacklist/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
            401,
            r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
        ),
        // 1.7: the protected view.
        bearer("", 401, NO_CREDENTIALS),
        bearer("Basic YWxpY2U6eA==", 401, NO_CREDENTIALS),
        bearer("Token abc", 401, NO_CREDENTIALS),
        bearer(
            "Bearer",
            401,
            r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#,
        ),
        bearer(
            "Bearer a b",
            401,
            r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#,
        ),
        bearer(
            "Bearer x.y.z",
            401,
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#,
        ),
        bearer(
            &format!("Bearer {alg_none}"),
            401,
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#,
        ),
        bearer(
            &format!("Bearer {refresh}"),
            401,
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}"#,
        ),
        bearer(
            &format!("Bearer {anonymous_access}"),
            401,
            r#"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#,
        ),
        bearer(
            &format!("Bearer {nobody_access}"),
            401,
            r#"{"detail":"User not found","code":"user_not_found"}"#,
        ),
        bearer(
            &format!("Bearer {inactive_access}"),
            401,
            r#"{"detail":"User is inactive","code":"user_inactive"}"#,
        ),
        bearer(
            &format!("bearer {access}"),
            200,
            r#"{"message":"Hello, authenticated user!","user":"alice"}"#,
        ),
        bearer(
            &format!("Bearer  {access} "),
            200,
            r#"{"message":"Hello, authenticated user!","user":"alice"}"#,
        ),
    ];
    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        cases.push(Case {
            method,
            path: "/api/token/",
            content_type: None,
            authorization: None,
            body: String::new(),
            status: 405,
            response: format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#),
        });
    }
    cases.push(Case {
        content_type: Some("text/plain; charset=utf-8"),
        ..post(
            "/api/token/",
            "x",
            415,
            r#"{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}"#,
        )
    });
    cases.push(Case {
        content_type: None,
        ..post(
            "/api/token/",
            "x",
            415,
            r#"{"detail":"Unsupported media type \"\" in request."}"#,
        )
    });
    cases.push(Case {
        content_type: Some("text/plain"),
        ..post("/api/token/", "", 400, REQUIRED_BOTH)
    });
    cases.push(Case {
        content_type: Some("multipart/form-data"),
        ..post(
            "/api/token/",
            "x",
            400,
            r#"{"detail":"Multipart form parse error - Invalid boundary in multipart: None"}"#,
        )
    });
    cases.push(Case {
        content_type: Some("application/x-www-form-urlencoded"),
        ..post(
            "/api/token/",
            &format!("username=alice&password={}", PASSWORD.replace(' ', "+")),
            200,
            "",
        )
    });
    cases.push(Case {
        content_type: Some("Application/JSON"),
        ..post(
            "/api/token/",
            r#"{"username":"alice","password":"no"}"#,
            401,
            NO_ACCOUNT,
        )
    });
    cases.push(Case {
        authorization: Some("Bearer garbage".into()),
        ..post(
            "/api/token/",
            r#"{"username":"alice","password":"no"}"#,
            401,
            NO_ACCOUNT,
        )
    });
    cases.push(Case {
        method: "POST",
        ..bearer(
            &format!("Bearer {access}"),
            405,
            r#"{"detail":"Method \"POST\" not allowed."}"#,
        )
    });
    cases.push(Case {
        method: "POST",
        ..bearer("", 401, NO_CREDENTIALS)
    });

    for case in &cases {
        let mut headers = Vec::new();
        if let Some(ct) = case.content_type {
            headers.push(("Content-Type", ct));
        }
        if let Some(auth) = &case.authorization {
            headers.push(("Authorization", auth.as_str()));
        }
        let r = server.request(case.method, case.path, &headers, case.body.as_bytes());
        let what = format!(
            "{} {} {:?} {:?}",
            case.method, case.path, case.authorization, case.body
        );
        assert_eq!(r.status, case.status, "{what}: {}", r.body);
        if !case.response.is_empty() {
            assert_eq!(r.body, case.response, "{what}");
        }
        assert_eq!(r.header("Content-Type"), Some("application/json"), "{what}");
        if r.status == 401 {
            assert_eq!(
                r.header("WWW-Authenticate"),
                Some(r#"Bearer realm="api""#),
                "{what}"
            );
        }
        let allow = if case.path == "/api/protected/" {
            "GET, OPTIONS"
        } else {
            "POST, OPTIONS"
        };
        assert_eq!(r.header("Allow"), Some(allow), "{what}");
    }
    let malformed = server.post_json("/api/token/", r#"{"username": "#);
    assert_eq!(malformed.status, 400);
    assert!(
        malformed
            .body
            .starts_with(r#"{"detail":"JSON parse error - "#),
        "{}",
        malformed.body
    );
}

#[test]
fn routing_redirects_and_not_found() {
    // With the learner's page off, `/` is an unknown path too.
    let (_dir, server) = server_with_alice(&[("JWTD_LEARNER_PAGE", "false")]);
    for (method, path, location) in [
        ("POST", "/api/token", "/api/token/"),
        ("GET", "/api/token/refresh", "/api/token/refresh/"),
        ("OPTIONS", "/api/token/verify", "/api/token/verify/"),
        ("GET", "/api/protected?x=1", "/api/protected/?x=1"),
    ] {
        let r = server.request(method, path, &[], b"");
        assert_eq!(r.status, 301, "{method} {path}");
        assert_eq!(r.header("Location"), Some(location));
        assert_eq!(r.body, "");
        assert_eq!(r.header("WWW-Authenticate"), None);
    }
    for (method, path) in [
        ("GET", "/"),
        ("POST", "/no-such"),
        ("GET", "/api/token/x/"),
        ("DELETE", "/api"),
    ] {
        let r = server.request(method, path, &[], b"");
        assert_eq!(
            (r.status, r.body.as_str()),
            (404, r#"{"detail":"Not found."}"#),
            "{method} {path}"
        );
    }
}

#[test]
fn options_metadata() {
    let (_dir, server) = server_with_alice(&[]);
    let r = server.request("OPTIONS", "/api/token/refresh/", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        r#"{"name":"Token Refresh","description":"Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"refresh":{"type":"string","required":true,"read_only":false,"label":"Refresh"},"access":{"type":"string","required":false,"read_only":true,"label":"Access"}}}}"#
    );
    let anonymous = server.request("OPTIONS", "/api/protected/", &[], b"");
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (401, NO_CREDENTIALS)
    );
}
