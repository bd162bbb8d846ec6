//! `ListAPIView` with `PageNumberPagination`: a page of users in id order,
//! with links to the pages around it built as DRF builds them.

use std::collections::BTreeMap;

use super::lookup::store_error;
use super::representation;
use crate::api::body::query_pairs;
use crate::api::call::Call;
use crate::api::json::{self, Json};
use crate::api::{hosts, messages, respond};
use crate::app::App;
use crate::http::Response;
use crate::python_str::python_strip;
use crate::refusal::Refusal;

const INVALID_PAGE: &str = "Invalid page.";
/// The list's path, which its page links name.
const PATH: &str = "/api/admin/users/";

/// `PageNumberPagination`'s 404 for a page that is not there.
fn invalid_page(app: &App) -> Response {
    app.metrics.refused(Refusal::NotFound);
    respond::detail(404, INVALID_PAGE)
}

/// `ListAPIView` with `PageNumberPagination`, ordered by id.
pub fn handle(call: &Call<'_>) -> Response {
    let (app, request) = (call.app, call.request);
    let accounts = app.auth.accounts();
    let size = app.settings().admin_page_size.max(1);
    let pairs = request.query.map(query_pairs).unwrap_or_default();
    // `QueryDict.get`: the last value; absent or empty is page 1.
    let asked = pairs
        .iter()
        .rev()
        .find(|(name, _)| name == "page")
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty());
    let number = match asked {
        None => 1,
        Some("last") => match accounts.page(0, 0) {
            Ok((count, _)) => page_count(count, size),
            Err(e) => return store_error(app, &e),
        },
        Some(text) => match python_int(text) {
            Some(n) => n,
            None => return invalid_page(app),
        },
    };
    let offset = number
        .checked_sub(1)
        .and_then(|n| n.checked_mul(size as u64))
        .and_then(|n| usize::try_from(n).ok());
    let Some(offset) = offset else {
        return invalid_page(app);
    };
    let (count, users) = match accounts.page(offset, size) {
        Ok(page) => page,
        Err(e) => return store_error(app, &e),
    };
    let pages = page_count(count, size);
    if number > pages {
        return invalid_page(app);
    }
    let link = |page: u64| -> Result<String, Response> {
        // The router let only an allowed host through; a request without
        // one (HTTP/1.0) has none to link to.
        let host = hosts::requested(request).ok_or_else(|| {
            app.metrics.refused(Refusal::InvalidHost);
            respond::detail(400, messages::INVALID_HOST)
        })?;
        Ok(page_link(host, &pairs, page))
    };
    let next = if number < pages {
        match link(number + 1) {
            Ok(url) => Some(url),
            Err(refused) => return refused,
        }
    } else {
        None
    };
    let previous = if number > 1 {
        match link(number - 1) {
            Ok(url) => Some(url),
            Err(refused) => return refused,
        }
    } else {
        None
    };
    respond::ok(
        Json::object()
            .int("count", count)
            .str_or_null("next", next.as_deref())
            .str_or_null("previous", previous.as_deref())
            .raw(
                "results",
                &json::array(users.iter().map(representation::of)),
            )
            .end(),
    )
}

/// Django's `Paginator.num_pages` without orphans: at least 1, so that an
/// empty list has an (empty) first page.
pub(super) fn page_count(count: u64, size: usize) -> u64 {
    count.div_ceil(size as u64).max(1)
}

/// Python's `int()` of a page number: surrounding whitespace, a sign, and
/// ASCII digits with single underscores between them. A negative number
/// reads as 0 and one too large for a `u64` as `u64::MAX`: both are invalid
/// pages all the same. (Python also takes other Unicode decimal digits;
/// those are an invalid page here.)
fn python_int(text: &str) -> Option<u64> {
    let text = python_strip(text);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return None;
    }
    let value = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
    Some(if negative { 0 } else { value })
}

/// DRF's `replace_query_param` (and, for page 1, `remove_query_param`) on
/// `build_absolute_uri()`: the query is parsed, `page` set or dropped, and
/// written back sorted by name with `urlencode`.
fn page_link(host: &str, pairs: &[(String, String)], page: u64) -> String {
    let mut query: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, value) in pairs {
        query.entry(name).or_default().push(value);
    }
    let number = page.to_string();
    if page == 1 {
        query.remove("page");
    } else {
        query.insert("page", vec![&number]);
    }
    let mut url = format!("http://{host}{PATH}");
    let mut separator = '?';
    for (name, values) in &query {
        for value in values {
            url.push(separator);
            separator = '&';
            quote_plus(&mut url, name);
            url.push('=');
            quote_plus(&mut url, value);
        }
    }
    url
}

/// Python's `urllib.parse.quote_plus` (UTF-8, nothing safe but the always
/// safe characters).
fn quote_plus(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_and_quote_plus() {
        for (text, value) in [
            ("1", Some(1)),
            (" 2\n", Some(2)),
            ("+3", Some(3)),
            ("-4", Some(0)),
            ("1_000", Some(1000)),
            ("99999999999999999999999", Some(u64::MAX)),
            ("", None),
            ("+", None),
            ("1_", None),
            ("1 2", None),
            ("0x1", None),
        ] {
            assert_eq!(python_int(text), value, "{text:?}");
        }
        let mut out = String::new();
        quote_plus(&mut out, "a b/é~_.-*");
        assert_eq!(out, "a+b%2F%C3%A9~_.-%2A");
    }
}
