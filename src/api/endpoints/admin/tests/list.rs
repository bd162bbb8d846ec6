//! `GET /api/admin/users/`: DRF's `PageNumberPagination`.

use crate::api::endpoints::admin::list::page_count;

use super::*;

#[test]
fn a_page_of_users_in_id_order_without_passwords() {
    let f = fixture();
    let r = f.get(USERS);
    let date = "2025-01-02T03:04:05.678901Z";
    let user = |id: u64, name: &str, active: bool, staff: bool, superuser: bool| {
        format!(
            r#"{{"id":{id},"username":"{name}","email":"","first_name":"","last_name":"","is_active":{active},"is_staff":{staff},"is_superuser":{superuser},"date_joined":"{date}","last_login":null}}"#
        )
    };
    let results = [
        user(1, "root", true, true, true),
        user(2, "alice", true, false, false),
        user(3, "sam", true, true, false),
        user(4, "ivan", false, true, true),
    ]
    .join(",");
    let body = format!(r#"{{"count":4,"next":null,"previous":null,"results":[{results}]}}"#);
    expect(&r, ALLOW_LIST, 200, &body);
    assert!(!r.text().contains("password") && !r.text().contains("pbkdf2"));
}

/// A fixture with `n` extra users and pages of `size`.
fn paged(size: usize, extra: usize) -> Fixture {
    let f = fixture_with(Settings {
        admin_page_size: size,
        ..settings()
    });
    for i in 0..extra {
        f.app
            .auth
            .store()
            .add_user(NewUser {
                id: None,
                user: User::active(0, format!("user{i}"), String::from("!")),
            })
            .unwrap();
    }
    f
}

fn page(f: &Fixture, target: &str) -> (u64, Value, Value, Vec<u64>) {
    let r = f.get(target);
    assert_eq!(r.status, 200, "{target}: {}", r.text());
    let v = json(&r);
    let ids = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_u64().unwrap())
        .collect();
    (
        v["count"].as_u64().unwrap(),
        v["next"].clone(),
        v["previous"].clone(),
        ids,
    )
}

#[test]
fn pages_and_links_follow_drf_page_number_pagination() {
    // 4 fixture users + 3 = 7 users, 3 pages of 3.
    let f = paged(3, 3);
    let link = |q: &str| Value::from(format!("http://testserver/api/admin/users/{q}"));
    assert_eq!(
        page(&f, USERS),
        (7, link("?page=2"), Value::Null, vec![1, 2, 3])
    );
    // Page 1's link drops `page` (remove_query_param).
    assert_eq!(
        page(&f, "/api/admin/users/?page=2"),
        (7, link("?page=3"), link(""), vec![4, 5, 6])
    );
    assert_eq!(
        page(&f, "/api/admin/users/?page=3"),
        (7, Value::Null, link("?page=2"), vec![7])
    );
    // Python's int(): whitespace, a sign, underscores; `last`; the last of
    // repeated values; an empty value is page 1.
    for (query, ids) in [
        ("page=%202%20", vec![4, 5, 6]),
        ("page=+2", vec![4, 5, 6]),
        ("page=0_3", vec![7]),
        ("page=last", vec![7]),
        ("page=1&page=3", vec![7]),
        ("page=", vec![1, 2, 3]),
        ("page", vec![1, 2, 3]),
        ("other=1", vec![1, 2, 3]),
    ] {
        assert_eq!(page(&f, &format!("{USERS}?{query}")).3, ids, "{query}");
    }
    // Other parameters are kept, decoded, sorted by name and re-encoded as
    // Python's urlencode does.
    let (_, next, previous, _) = page(&f, "/api/admin/users/?z=1&page=2&a=x%20y&a=%C3%A9&flag");
    assert_eq!(next, link("?a=x+y&a=%C3%A9&flag=&page=3&z=1"));
    assert_eq!(previous, link("?a=x+y&a=%C3%A9&flag=&z=1"));
}

#[test]
fn invalid_pages_are_404() {
    let f = paged(3, 3);
    for query in [
        "page=0",
        "page=4",
        "page=x",
        "page=-1",
        "page=1.0",
        "page=1__0",
        "page=_1",
        "page=LAST",
        "page=99999999999999999999999999",
        "page=%EF%BC%91",
    ] {
        let r = f.get(&format!("{USERS}?{query}"));
        expect(&r, ALLOW_LIST, 404, INVALID_PAGE_BODY);
    }
}

#[test]
fn the_first_page_always_exists() {
    // An empty list has one empty page (the API always lists its caller,
    // so only the paginator sees it).
    assert_eq!(page_count(0, 3), 1);
    assert_eq!(page_count(3, 3), 1);
    assert_eq!(page_count(4, 3), 2);
    let f = paged(1, 0);
    let last = f.get("/api/admin/users/?page=last");
    expect(
        &f.get("/api/admin/users/?page=4"),
        ALLOW_LIST,
        200,
        last.text(),
    );
    assert_eq!(json(&last)["next"], Value::Null);
    let r = f.get("/api/admin/users/?page=5");
    expect(&r, ALLOW_LIST, 404, INVALID_PAGE_BODY);
}

/// Page 2 of a list in pages of two, as root, with `host` in `Host`.
fn page_two(f: &Fixture, host: Option<&str>) -> Response {
    let mut request = OwnedRequest::new("GET", "/api/admin/users/?page=2")
        .header("Authorization", format!("Bearer {}", f.root));
    if let Some(host) = host {
        request = request.header("Host", host);
    }
    send(&f.app, &request)
}

#[test]
fn links_are_built_from_a_valid_host_header() {
    let any_host = fixture_with(Settings {
        admin_page_size: 2,
        allowed_hosts: Some(vec!["*".into()]),
        ..settings()
    });
    for (host, base) in [
        ("Example.COM:8000", "http://Example.COM:8000"),
        ("127.0.0.1", "http://127.0.0.1"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("[2001:db8::1]", "http://[2001:db8::1]"),
    ] {
        let v = json(&page_two(&any_host, Some(host)));
        assert_eq!(
            v["previous"],
            Value::from(format!("{base}/api/admin/users/"))
        );
    }
    // Without Host (HTTP/1.0), the view has no host to link to.
    let r = page_two(&any_host, None);
    expect(&r, ALLOW_LIST, 400, r#"{"detail":"Invalid Host header."}"#);
    // What is not a host, and with the fixture's ALLOWED_HOSTS a host not
    // allowed, is refused before any route: no link ever names it.
    let testserver = paged(2, 0);
    for (f, host) in [
        (&any_host, "a b"),
        (&any_host, "x:y"),
        (&any_host, "x:"),
        (&any_host, "[::1"),
        (&any_host, "[zz::1]"),
        (&any_host, ""),
        (&testserver, "evil.test"),
        (&testserver, "testserver.evil.test"),
    ] {
        let r = page_two(f, Some(host));
        assert_eq!(
            (r.status, r.text()),
            (400, r#"{"detail":"Invalid Host header."}"#),
            "{host:?}"
        );
        assert_eq!(r.header("Allow"), None, "answered before routing");
    }
    let v = json(&page_two(&testserver, Some("TestServer:80")));
    assert_eq!(
        v["previous"],
        Value::from("http://TestServer:80/api/admin/users/")
    );
    // No link, no need for a host.
    let one_page = fixture();
    let r = send(
        &one_page.app,
        &OwnedRequest::new("GET", USERS)
            .header("Authorization", format!("Bearer {}", one_page.root)),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn the_page_size_is_a_setting() {
    let load = |value: &str| {
        Settings::load(
            None,
            [("JWTD_ADMIN_PAGE_SIZE".to_owned(), value.to_owned())],
        )
        .map(|loaded| loaded.settings.admin_page_size)
    };
    assert_eq!(Settings::default().admin_page_size, 100);
    assert_eq!(load("5"), Ok(5));
    for bad in ["0", "x", "10001"] {
        assert_eq!(load(bad).unwrap_err().setting, "ADMIN_PAGE_SIZE");
    }
}
