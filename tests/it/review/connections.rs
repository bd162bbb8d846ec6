//! Connection slots: one address cannot hold every one (item 9).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::support::*;

/// A connection to `to` from the loopback address `from`: Linux routes all
/// of 127/8 to the loopback interface, but std connects from an address
/// the kernel picks, so binding first takes libc.
#[allow(unsafe_code)]
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(to) = to else {
        panic!("an IPv4 server address: {to}")
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: socket takes no pointers; the descriptor is owned by the
    // stream from here on.
    let stream = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "{}", std::io::Error::last_os_error());
        TcpStream::from_raw_fd(fd)
    };
    let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
    let local = sockaddr(from, 0);
    let remote = sockaddr(*to.ip(), to.port());
    // SAFETY: both addresses are initialised sockaddr_in of `len` bytes.
    unsafe {
        let bound = libc::bind(fd, (&local as *const libc::sockaddr_in).cast(), len);
        assert_eq!(bound, 0, "bind {from}: {}", std::io::Error::last_os_error());
        let connected = libc::connect(fd, (&remote as *const libc::sockaddr_in).cast(), len);
        assert_eq!(connected, 0, "connect: {}", std::io::Error::last_os_error());
    }
    stream
}

#[test]
fn item_9_one_address_cannot_hold_every_connection_slot() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_MAX_CONNECTIONS", "50"),
        ("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "10"),
    ]);
    let flooder = Ipv4Addr::new(127, 0, 0, 1);
    // Ten idle connections from one address: all it may hold, with forty
    // slots still free.
    let held: Vec<TcpStream> = (0..10)
        .map(|_| connect_from(flooder, server.addr))
        .collect();
    // The eleventh gets the 503 a full table gives, at once.
    let mut eleventh = connect_from(flooder, server.addr);
    eleventh
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let refused = read_response(&mut eleventh, false).expect("an answer, not a wait");
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("Retry-After"), Some("1"));
    assert_eq!(
        refused.body,
        r#"{"detail":"Service temporarily unavailable, try again later."}"#
    );
    assert!(
        server.log_eventually_contains(
            "connection from 127.0.0.1 refused (503): 10 connections already open from that address"
        ),
        "{}",
        server.log()
    );
    // Another address is served meanwhile.
    let mut other = connect_from(Ipv4Addr::new(127, 0, 0, 2), server.addr);
    other
        .write_all(b"GET /api/protected/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(read_response(&mut other, false).unwrap().status, 401);
    // Once the ten close, the address is served again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.get("/api/protected/", None).status != 401 {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}
