//! `GET /`: the learner's page, one static HTML file compiled into the
//! binary (`page.html`, packed by `build.rs`), which logs in and takes the tokens apart in the
//! browser using only the public API. `LEARNER_PAGE=false` turns it off,
//! and `/` is then a 404 like any unknown path (the router's doing).
//!
//! Its Content-Security-Policy allows exactly the page's own inline
//! `<style>` and `<script>`, named by their SHA-256, computed once from the
//! embedded bytes: an edited page gets a matching policy with no step to
//! forget, and anything else (another script, an inline `style=""` or
//! `onclick=""`, a request to another origin, a frame around the page)
//! is refused by the browser.

use std::sync::OnceLock;

use crate::packed;
use crate::primitives;

use crate::api::call::Call;
use crate::http::Response;

/// The page, packed (`crate::packed`).
static PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/page.html.lz"));

/// The page, unpacked.
pub fn page() -> String {
    packed::unpack_text(PACKED)
}

/// Serves the page to GET and HEAD. Like every response it carries
/// `Cache-Control: no-store` (response.rs): the page is small, and a browser
/// never pairs a cached page with the policy of another build.
pub fn handle(_call: &Call<'_>) -> Response {
    Response::new(200)
        .with_header("Content-Type", "text/html; charset=utf-8")
        .with_header("Content-Security-Policy", policy())
        .with_body(page().into_bytes())
}

/// The Content-Security-Policy of the page.
pub fn policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let page = page();
        format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
             form-action 'none'; frame-ancestors 'none'; base-uri 'none'; \
             require-trusted-types-for 'script'",
            hashes(&page, "script"),
            hashes(&page, "style")
        )
    })
}

/// `'sha256-...'` for the content of every `<tag>...</tag>` in `html`, as
/// CSP hashes it: the exact bytes between the tags, base64 (not base64url).
/// `'none'` when there is none.
fn hashes(html: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let content = &rest[start + open.len()..];
        let Some(end) = content.find(&close) else {
            break;
        };
        let digest = primitives::sha256(&content.as_bytes()[..end]);
        out.push(format!("'sha256-{}'", primitives::base64_encode(&digest)));
        rest = &content[end + close.len()..];
    }
    if out.is_empty() {
        "'none'".to_owned()
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    /// The page as written.
    const PAGE: &str = include_str!("page.html");
    use super::*;
    use crate::app::App;
    use crate::config::Settings;
    use crate::http::{Handler, OwnedRequest};
    use crate::token::JtiSource;

    const ALLOW: &str = "GET, HEAD";

    fn app(learner_page: bool) -> std::sync::Arc<App> {
        let settings = Settings {
            learner_page,
            password_iterations: 1000,
            ..Settings::default()
        };
        App::in_memory(
            settings,
            b"page-test-key-0123456789abcdef0123",
            0,
            JtiSource::counter(),
        )
        .unwrap()
    }

    fn send(app: &App, method: &str, target: &str) -> Response {
        app.handle(&OwnedRequest::new(method, target).request())
            .resolve()
    }

    /// The bytes between `<tag>` and `</tag>`, found independently of
    /// `hashes` (by splitting), and their CSP hash.
    fn inline_hash(tag: &str) -> String {
        let parts: Vec<&str> = PAGE.split(&format!("<{tag}>")).collect();
        assert_eq!(parts.len(), 2, "one <{tag}> element");
        let content = parts[1].split(&format!("</{tag}>")).next().unwrap();
        let digest = primitives::sha256(content.as_bytes());
        format!("'sha256-{}'", primitives::base64_encode(&digest))
    }

    #[test]
    fn get_serves_the_page_with_its_policy() {
        let r = send(&app(true), "GET", "/");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(r.header("Allow"), Some(ALLOW));
        assert_eq!(r.text(), include_str!("page.html"));
        assert!(r.text().starts_with("<!doctype html>"));
        let csp = r.header("Content-Security-Policy").unwrap();
        assert_eq!(csp, policy());
        let directives: Vec<&str> = csp.split("; ").collect();
        for expected in [
            "default-src 'none'".to_owned(),
            format!("script-src {}", inline_hash("script")),
            format!("style-src {}", inline_hash("style")),
            "connect-src 'self'".to_owned(),
            "form-action 'none'".to_owned(),
            "frame-ancestors 'none'".to_owned(),
            "base-uri 'none'".to_owned(),
        ] {
            assert!(
                directives.contains(&expected.as_str()),
                "{expected} in {csp}"
            );
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        // A query string changes nothing.
        assert_eq!(send(&app(true), "GET", "/?x=1").status, 200);
    }

    #[test]
    fn the_hash_is_of_the_exact_bytes() {
        // The known SHA-256 of "alert(1)" (a change of one byte changes it).
        assert_eq!(
            hashes("<p><script>alert(1)</script>", "script"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        assert_eq!(
            hashes("<script>a</script><script>b</script>", "script")
                .matches("'sha256-")
                .count(),
            2
        );
        assert_eq!(hashes("<p>", "script"), "'none'");
    }

    #[test]
    fn head_has_the_same_head() {
        let r = send(&app(true), "HEAD", "/");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(r.header("Content-Security-Policy"), Some(policy()));
        // The body is dropped when written (Response::write_to), its length kept.
        let mut out = Vec::new();
        r.write_to(&mut out, true, None, "d");
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!("Content-Length: {}\r\n", PAGE.len())));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn other_methods_are_405() {
        let app = app(true);
        for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            let r = send(&app, method, "/");
            assert_eq!(r.status, 405, "{method}");
            assert_eq!(
                r.text(),
                format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#)
            );
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            assert_eq!(r.header("Allow"), Some(ALLOW));
        }
    }

    #[test]
    fn turned_off_it_is_an_unknown_path() {
        let app = app(false);
        for method in ["GET", "HEAD", "POST"] {
            let r = send(&app, method, "/");
            assert_eq!((r.status, r.text()), (404, r#"{"detail":"Not found."}"#));
            assert_eq!(r.header("Content-Security-Policy"), None);
        }
    }

    #[test]
    fn the_page_is_self_contained() {
        let lower = PAGE.to_ascii_lowercase();
        // No absolute URL, and nothing loaded by src/href/CSS (a
        // protocol-relative "//host" could only hide in those).
        for external in ["http://", "https://", "src=", "href=", "@import", "url("] {
            assert!(!lower.contains(external), "the page contains {external:?}");
        }
        // No inline handlers or style attributes: the policy would block them.
        for attribute in [
            " onclick=",
            " onload=",
            " onsubmit=",
            " style=",
            "javascript:",
        ] {
            assert!(
                !lower.contains(attribute),
                "the page contains {attribute:?}"
            );
        }
        // No way to reach HTML parsing with a string (Trusted Types would refuse it).
        for sink in [
            "innerhtml",
            "outerhtml",
            "insertadjacenthtml",
            "document.write",
            "eval(",
        ] {
            assert!(!lower.contains(sink), "the page uses {sink}");
        }
        // It keeps tokens in memory only.
        assert!(!lower.contains("localstorage.") && !lower.contains("sessionstorage."));
        // Every request goes to a relative path of the public API.
        let calls: Vec<&str> = PAGE.split("call(\"").skip(1).collect();
        assert!(calls.len() >= 6, "{} calls found", calls.len());
        for fetched in calls {
            let path = fetched.split('"').nth(2).unwrap();
            assert!(
                [
                    "/api/token/",
                    "/api/token/refresh/",
                    "/api/token/verify/",
                    "/api/token/blacklist/",
                    "/api/protected/"
                ]
                .contains(&path),
                "{path}"
            );
        }
        assert!(PAGE.len() < 20 * 1024, "{} bytes", PAGE.len());
    }
}
