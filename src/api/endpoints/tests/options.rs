//! OPTIONS on the token views: DRF's `SimpleMetadata`, whatever the body
//! or credentials.

use super::*;

#[test]
fn options_on_token_views_returns_drf_metadata() {
    const HEAD: &str = r#""renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]"#;
    let app = app();
    let cases = [
        (
            OBTAIN,
            format!(
                r#"{{"name":"Token Obtain Pair","description":"Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",{HEAD},"actions":{{"POST":{{"username":{{"type":"string","required":true,"read_only":false,"label":"Username"}},"password":{{"type":"string","required":true,"read_only":false,"label":"Password"}}}}}}}}"#
            ),
        ),
        (
            REFRESH,
            // Verbatim from the reference.
            r#"{"name":"Token Refresh","description":"Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"refresh":{"type":"string","required":true,"read_only":false,"label":"Refresh"},"access":{"type":"string","required":false,"read_only":true,"label":"Access"}}}}"#.to_owned(),
        ),
        (
            VERIFY,
            format!(
                r#"{{"name":"Token Verify","description":"Takes a token and indicates if it is valid.  This view provides no\ninformation about a token's fitness for a particular use.",{HEAD},"actions":{{"POST":{{"token":{{"type":"string","required":true,"read_only":false,"label":"Token"}}}}}}}}"#
            ),
        ),
        (
            BLACKLIST,
            format!(
                r#"{{"name":"Token Blacklist","description":"Takes a token and blacklists it. Must be used with the\n`rest_framework_simplejwt.token_blacklist` app installed.",{HEAD},"actions":{{"POST":{{"refresh":{{"type":"string","required":true,"read_only":false,"label":"Refresh"}}}}}}}}"#
            ),
        ),
    ];
    for (path, body) in cases {
        // Whatever the body or credentials: token views authenticate nobody.
        for request in [
            OwnedRequest::new("OPTIONS", path),
            OwnedRequest::new("OPTIONS", path)
                .header("Authorization", "Bearer garbage")
                .header("Content-Type", "text/plain")
                .body("x"),
        ] {
            expect_view(&send(&app, &request), 200, &body);
        }
    }
}
