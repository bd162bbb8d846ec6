//! Faults lose nothing: the server, under refresh load, is killed with
//! SIGKILL at random moments; after every restart the database opens, the
//! users are intact, and every rotation that was answered 200 before the
//! kill has its old token blacklisted.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::*;

const ROUNDS: usize = 20;
const CLIENTS: usize = 4;

/// One refresh on a kept-alive connection; `None` once the server is gone.
fn refresh(stream: &mut TcpStream, token: &str) -> Option<(u16, String)> {
    let body = format!(r#"{{"refresh":"{token}"}}"#);
    let request = format!(
        "POST /api/token/refresh/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let r = read_response(stream, false)?;
    let next = if r.status == 200 {
        r.json()["refresh"].as_str()?.to_owned()
    } else {
        String::new()
    };
    Some((r.status, next))
}

/// Checks, over kept-alive connections, that every token in `spent` is
/// blacklisted.
fn all_blacklisted(server: &Server, spent: &[String]) -> usize {
    let connect = || {
        let stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    };
    let mut stream = connect();
    for (i, token) in spent.iter().enumerate() {
        // The server closes a connection after MAX_REQUESTS_PER_CONNECTION.
        if i % 500 == 499 {
            stream = connect();
        }
        let body = format!(r#"{{"token":"{token}"}}"#);
        let request = format!(
            "POST /api/token/verify/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let r = read_response(&mut stream, false).unwrap();
        assert_eq!(
            (r.status, r.body.as_str()),
            (400, r#"{"non_field_errors":["Token is blacklisted"]}"#),
            "an acknowledged rotation was lost"
        );
    }
    spent.len()
}

#[test]
fn sigkill_under_refresh_load_loses_no_acknowledged_rotation() {
    sigkill_under_refresh_load(&[]);
}

/// The same on PostgreSQL: every 200 was committed there.
#[cfg(feature = "postgres")]
#[test]
fn sigkill_under_refresh_load_on_postgres_loses_no_acknowledged_rotation() {
    let db = crate::replicas::fresh_database("crash");
    sigkill_under_refresh_load(&[("JWTD_DB", &db)]);
}

/// Kills the server under refresh load [`ROUNDS`] times, on the database
/// `env` names (the test directory's redb file if none).
fn sigkill_under_refresh_load(env: &[(&str, &str)]) {
    let dir = TempDir::new();
    add_user_with(&dir, "alice", &[], env);
    add_user_with(&dir, "bob", &["--staff"], env);
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Every (spent, issued) pair the server acknowledged with a 200.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut chains: Vec<Option<String>> = vec![None; CLIENTS];
    let mut checked = 0;
    let mut checked_upto = 0;
    for _ in 0..ROUNDS {
        let mut server_env = env.to_vec();
        server_env.push(("JWTD_ACCESS_LOG", "false"));
        let server = Server::start(&dir, &server_env);
        // Everything acknowledged before the last kill is durable.
        let fresh: Vec<String> = acknowledged.lock().unwrap()[checked_upto..].to_vec();
        checked += all_blacklisted(&server, &fresh);
        checked_upto += fresh.len();
        // The users are intact.
        server.login("alice");
        server.login("bob");

        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = chains
            .iter_mut()
            .map(|chain| {
                let start = chain.take().unwrap_or_else(|| server.login("alice").0);
                let (addr, stop, acknowledged) = (server.addr, stop.clone(), acknowledged.clone());
                thread::spawn(move || {
                    let mut token = start;
                    let Ok(mut stream) = TcpStream::connect(addr) else {
                        return None;
                    };
                    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
                    while !stop.load(Ordering::Relaxed) {
                        match refresh(&mut stream, &token) {
                            Some((200, next)) => {
                                acknowledged.lock().unwrap().push(token);
                                token = next;
                            }
                            // Spent by a rotation committed just before a
                            // kill, answered never: start a new login.
                            Some(_) => return None,
                            None => break,
                        }
                    }
                    Some(token)
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(20 + random() % 150));
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for (chain, client) in chains.iter_mut().zip(clients) {
            *chain = client.join().unwrap();
        }
    }
    // At the end, every rotation of every round, once more.
    let server = Server::start(&dir, env);
    let all = acknowledged.lock().unwrap().clone();
    checked += all_blacklisted(&server, &all);
    drop(server);
    let list = run_with(&dir, &["user", "list"], "", env);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(list.stdout.lines().count(), 3, "{}", list.stdout);
    let total = acknowledged.lock().unwrap().len();
    assert!(total >= ROUNDS, "too little load to mean anything: {total}");
    eprintln!(
        "crash test: {ROUNDS} SIGKILLs, {total} acknowledged rotations, {checked} checks, 0 lost"
    );
}
