use super::*;
use std::net::Ipv4Addr;

fn limits() -> Limits {
    crate::http::test_limits()
}

fn parse_str(text: &str) -> Parsed<'_> {
    parse(text.as_bytes(), &limits(), IpAddr::V4(Ipv4Addr::LOCALHOST))
}

fn status(text: &str) -> u16 {
    match parse_str(text) {
        Parsed::Rejected(r) => r.status,
        Parsed::Complete { .. } => 200,
        Parsed::Partial { .. } => 0,
    }
}

#[test]
fn the_word_at_a_time_scan_finds_what_the_byte_at_a_time_one_does() {
    let naive = |head: &[u8]| {
        head.iter().enumerate().any(|(i, &b)| match b {
            0 => true,
            b'\n' => i == 0 || head[i - 1] != b'\r',
            b'\r' => head.get(i + 1).is_some_and(|next| *next != b'\n'),
            _ => false,
        })
    };
    let alphabet = [
        0u8, b'\r', b'\n', b'a', b' ', 0x0d, 0x0e, 0x0f, 0x7f, 0x80, 0x8d, 0xff,
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 40) as usize;
        // Mostly ordinary bytes with CRLFs, as a head is.
        let head: Vec<u8> = (0..len)
            .map(|i| {
                let pick = (seed >> (i % 60)) as usize ^ i;
                if round % 2 == 0 && !pick.is_multiple_of(5) {
                    b"GET / HTTP/1.1\r\nHost: t\r\n"[i % 25]
                } else {
                    alphabet[pick % alphabet.len()]
                }
            })
            .collect();
        assert_eq!(has_forbidden_byte(&head), naive(&head), "{head:?}");
    }
}

#[test]
fn a_simple_get() {
    let Parsed::Complete {
        request,
        consumed,
        keep_alive,
    } = parse_str(
        "GET /api/protected/?a=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\nnext",
    )
    else {
        panic!("not complete")
    };
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/protected/");
    assert_eq!(request.query, Some("a=1"));
    assert_eq!(request.header("authorization"), Some(&b"Bearer t"[..]));
    assert_eq!(&*request.body, b"");
    assert_eq!(
        consumed,
        "GET /api/protected/?a=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n".len()
    );
    assert!(keep_alive);
}

#[test]
fn a_post_with_its_body_and_a_pipelined_rest() {
    let text = "POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbodyGET";
    let Parsed::Complete {
        request, consumed, ..
    } = parse_str(text)
    else {
        panic!()
    };
    assert_eq!(&*request.body, b"body");
    assert_eq!(&text[consumed..], "GET");
}

#[test]
fn partial_until_the_body_is_in() {
    assert!(matches!(
        parse_str("GET / HTTP/1.1\r\nHost: x\r\n"),
        Parsed::Partial {
            send_continue: false
        }
    ));
    let head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
    assert!(matches!(
        parse_str(head),
        Parsed::Partial {
            send_continue: true
        }
    ));
    assert!(matches!(
        parse_str(&format!("{head}ab")),
        Parsed::Partial {
            send_continue: false
        }
    ));
    assert_eq!(status(&format!("{head}abcde")), 200);
}

#[test]
fn strict_content_length() {
    for cl in [
        "+26",
        "-1",
        "2 6",
        "1,1",
        "0x1a",
        "1e3",
        "",
        "99999999999999999999",
    ] {
        let text = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {cl}\r\n\r\n");
        let s = status(&text);
        assert!(
            s == 400 || (cl.starts_with('9') && s == 413),
            "{cl:?} gave {s}"
        );
    }
    let two = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx";
    assert_eq!(status(two), 400);
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 16385\r\n\r\n"),
        413
    );
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n"),
        413
    );
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n"),
        400
    );
}

fn body_of(text: &str) -> Vec<u8> {
    match parse_str(text) {
        Parsed::Complete { request, .. } => request.body.into_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unfinished_head_that_cannot_become_a_request_is_refused_at_once() {
    for (partial, expected) in [
        ("GET /api/protected/\r\n", 400),
        ("GET /api/protected/ HTTP/1.1\r\nHost: x\n", 400),
        ("GET /api/protected/ HTTP/1.1\nHost: x", 400),
        ("GET / HTTP/1.1\r\nHo\0", 400),
        ("GET\0", 400),
        ("GET / HTTP/1.1\r\nHost: x\ry", 400),
        ("GET / HTTP/1.1\r\nBad Name: x\r\n", 400),
        ("GET / HTTP/2.0\r\n", 505),
        ("GET / HTTP/1.1\r\nHost: x\r", 0),
        ("GET / HTTP/1.1\r\nHost: x\r\n", 0),
        ("GET /api/prot", 0),
    ] {
        assert_eq!(status(partial), expected, "{partial:?}");
    }
    // Every prefix of a good request waits for the rest.
    let whole = "GET /api/protected/?a=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n";
    for cut in 0..whole.len() {
        assert_eq!(status(&whole[..cut]), 0, "cut at {cut}");
    }
    assert_eq!(status(whole), 200);
}

#[test]
fn chunk_extensions_and_trailers_hide_no_line_break() {
    let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for bad in [
        "2;a\nb\r\n{}\r\n0\r\n\r\n",
        "2;a\rb\r\n{}\r\n0\r\n\r\n",
        "2;a\0\r\n{}\r\n0\r\n\r\n",
        "2;a\n",
        "2\r\n{}\r\n0\r\nX: y\nGET / HTTP/1.1\r\n\r\n",
        "2\r\n{}\r\n0\r\nno colon\r\n\r\n",
        "2\r\n{}\r\n0\r\n folded: x\r\n\r\n",
        "2\r\n{}\r\n0\r\nX: \0",
    ] {
        assert_eq!(status(&format!("{head}{bad}")), 400, "{bad:?}");
    }
    assert_eq!(
        body_of(&format!(
            "{head}2 ; a = \"b\\\"c\"\r\n{{}}\r\n0;last\r\nX-T: v\r\n\r\n"
        )),
        b"{}",
        "well-formed extensions and trailers are read and ignored"
    );
}

#[test]
fn chunked_bodies_are_decoded_within_the_limits() {
    let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(
        body_of(&format!(
            "{head}4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n"
        )),
        b"Wikipedia in \r\n\r\nchunks."
    );
    assert_eq!(body_of(&format!("{head}0\r\nX-Trailer: 1\r\n\r\n")), b"");
    let Parsed::Complete { consumed, .. } = parse_str(&format!("{head}1\r\na\r\n0\r\n\r\nGET"))
    else {
        panic!()
    };
    assert_eq!(
        consumed,
        head.len() + "1\r\na\r\n0\r\n\r\n".len(),
        "pipelined rest untouched"
    );
    // Incomplete at every cut.
    let whole = format!("{head}3\r\nabc\r\n0\r\n\r\n");
    for cut in head.len()..whole.len() {
        assert_eq!(status(&whole[..cut]), 0, "cut at {cut}");
    }
    // Malformed framing and oversized bodies.
    for bad in [
        "g\r\n",
        "-1\r\n",
        " 1\r\na\r\n",
        "1\r\nab\r\n",
        "1\r\na\n0\r\n\r\n",
        "123456789\r\n",
    ] {
        assert_eq!(status(&format!("{head}{bad}")), 400, "{bad:?}");
    }
    assert_eq!(status(&format!("{head}4001\r\n")), 413, "over max_body");
    let many = "1\r\na\r\n".repeat(9000);
    assert_eq!(
        status(&format!("{head}{many}")),
        413,
        "framing overhead is bounded too"
    );
    assert_eq!(
        status(&format!("{head}{}", "a".repeat(300))),
        400,
        "endless size line"
    );
    // Trailers are bounded in all by the head limit, arrived whole or
    // not: a prefix is refused exactly where the whole would be.
    let max_head = limits().max_head;
    let long = format!("{head}0\r\nX: {}\r\n\r\n", "t".repeat(max_head));
    assert_eq!(status(&long), 400, "one long trailer field");
    let cut = head.len() + 3 + max_head + 1;
    assert_eq!(status(&long[..cut]), 400, "the same, not yet whole");
    let fits = format!("{head}0\r\nX: {}\r\n\r\n", "t".repeat(max_head - 7));
    assert_eq!(status(&fits), 200, "trailers of max_head bytes in all");
    for cut in head.len()..fits.len() {
        assert_eq!(status(&fits[..cut]), 0, "cut at {cut}");
    }
}

#[test]
fn transfer_encoding_is_refused() {
    assert_eq!(
        status(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
        ),
        400
    );
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: xchunked\r\n\r\n"),
        400
    );
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        501
    );
    assert_eq!(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
    assert_eq!(
        status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        400
    );
}

#[test]
fn malformed_heads() {
    assert_eq!(status("GET / HTTP/1.1\r\nHost x\r\n\r\n"), 400, "no colon");
    assert_eq!(
        status("GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        400,
        "space before colon"
    );
    assert_eq!(
        status("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"),
        400,
        "obs-fold"
    );
    assert_eq!(status("GET / HTTP/1.1\nHost: x\r\n\r\n"), 400, "bare LF");
    assert_eq!(
        status("GET / HTTP/1.1\r\nHost: x\ry: z\r\n\r\n"),
        400,
        "bare CR"
    );
    assert_eq!(status("GET / HTTP/1.1\r\nHost: x\0\r\n\r\n"), 400, "NUL");
    assert_eq!(status("GET / HTTP/1.1\r\n\r\n"), 400, "no Host");
    assert_eq!(
        status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        400,
        "two Hosts"
    );
    assert_eq!(status("GET / HTTP/1.0\r\n\r\n"), 200, "1.0 needs no Host");
    assert_eq!(status("GET /\r\n\r\n"), 400, "HTTP/0.9");
    assert_eq!(
        status("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"),
        400,
        "bad method"
    );
    assert_eq!(
        status("GET foo HTTP/1.1\r\nHost: x\r\n\r\n"),
        400,
        "bad target"
    );
    assert_eq!(
        status("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        200,
        "leading empty lines"
    );
}

#[test]
fn versions() {
    assert_eq!(status("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
    assert_eq!(status("GET / HTTP/3.0\r\nHost: x\r\n\r\n"), 505);
    assert_eq!(status("GET / HTTP/9.9\r\nHost: x\r\n\r\n"), 505);
    assert_eq!(status("GET / HTTP/1.2\r\nHost: x\r\n\r\n"), 505);
    assert_eq!(status("GET / FTP/1.1\r\nHost: x\r\n\r\n"), 400);
}

#[test]
fn a_request_line_of_exactly_the_limit_passes_however_it_arrives() {
    let target = "a".repeat(8192 - "GET / HTTP/1.1".len());
    let line = format!("GET /{target} HTTP/1.1");
    assert_eq!(line.len(), 8192);
    assert_eq!(status(&format!("{line}\r\nHost: x\r\n\r\n")), 200);
    assert_eq!(
        status(&format!("{line}\r\nHost: x\r\n")),
        0,
        "partial, not 414"
    );
    assert_eq!(status(&format!("{line}a\r\nHost: x\r\n")), 414);
}

#[test]
fn size_limits() {
    let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    assert_eq!(status(&long_line), 414);
    let unfinished_line = format!("GET /{}", "a".repeat(9000));
    assert_eq!(status(&unfinished_line), 414);
    let big_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(17000)
    );
    assert_eq!(status(&big_header), 431);
    let unfinished_header = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}", "a".repeat(17000));
    assert_eq!(status(&unfinished_header), 431);
    let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    assert_eq!(
        status(&format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n")),
        431
    );
}

#[test]
fn connection_and_expect() {
    let keep = |text: &str| match parse_str(text) {
        Parsed::Complete { keep_alive, .. } => keep_alive,
        other => panic!("{other:?}"),
    };
    assert!(keep("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert!(!keep(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ));
    assert!(!keep(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n"
    ));
    assert!(!keep("GET / HTTP/1.0\r\n\r\n"));
    assert!(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx"),
        417
    );
    assert_eq!(
        status("POST / HTTP/1.0\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx"),
        200
    );
}

#[test]
fn request_targets() {
    assert_eq!(split_target("GET", "/a?b"), Some(("/a", Some("b"))));
    assert_eq!(
        split_target("GET", "http://h:80/a/b?c"),
        Some(("/a/b", Some("c")))
    );
    assert_eq!(split_target("GET", "HTTPS://h"), Some(("/", None)));
    assert_eq!(split_target("OPTIONS", "*"), Some(("*", None)));
    assert_eq!(split_target("GET", "*"), None);
    assert_eq!(split_target("CONNECT", "h:443"), None);
    assert_eq!(split_target("GET", "ftp://h/a"), None);
}
