//! Starting the binary, talking raw HTTP/1.1 to it, and temporary
//! directories; no dependencies beyond std and serde_json.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const KEY: &str = "e2e-test-signing-key-0123456789abcdef0123456789";
pub const PASSWORD: &str = "correct horse battery staple";
/// `ALLOWED_HOSTS` of a test server: the short names the tests send in
/// `Host`, and the loopback names.
pub const HOSTS: &str = "test,t,x,.localhost,127.0.0.1,[::1]";

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("jwtd-e2e-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("jwtd.redb")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary under test, with a clean environment of jwtd variables.
pub fn jwtd(dir: &TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jwtd"));
    for (key, _) in std::env::vars() {
        if key.starts_with("JWTD_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(dir.path())
        .env("JWTD_DB", dir.db())
        .env("JWTD_PASSWORD_ITERATIONS", "1000");
    cmd
}

/// `jwtd ARGS` as [`jwtd`] sets it up, run by `sh` under `umask`.
pub fn under_umask(dir: &TempDir, umask: &str, args: &[&str]) -> Command {
    let base = jwtd(dir);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(base.get_program())
        .args(args)
        .current_dir(dir.path());
    for (key, value) in base.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd
}

/// Output of a finished command.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `jwtd ARGS` with `stdin`.
pub fn run(dir: &TempDir, args: &[&str], stdin: &str) -> Output {
    run_with(dir, args, stdin, &[])
}

/// Runs `jwtd ARGS` with `stdin` and extra environment.
pub fn run_with(dir: &TempDir, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = jwtd(dir)
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails early may not read its input: ignore EPIPE.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Adds an active user with [`PASSWORD`].
pub fn add_user(dir: &TempDir, name: &str, extra: &[&str]) {
    add_user_with(dir, name, extra, &[]);
}

/// [`add_user`] with extra environment (another database, `JWTD_DB`).
pub fn add_user_with(dir: &TempDir, name: &str, extra: &[&str], env: &[(&str, &str)]) {
    let mut args = vec!["user", "add", name, "--password-stdin"];
    args.extend_from_slice(extra);
    let out = run_with(dir, &args, &format!("{PASSWORD}\n"), env);
    assert_eq!(out.code, 0, "user add failed: {}", out.stderr);
}

/// A running server.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `jwtd serve` on a free port of 127.0.0.1 over `dir`'s database,
    /// with [`KEY`] as the signing key unless `env` sets one (`<none>` for
    /// no key at all, so the server generates one), and [`HOSTS`] allowed
    /// unless `env` sets `JWTD_ALLOWED_HOSTS` (`<none>` for the default).
    pub fn start(dir: &TempDir, env: &[(&str, &str)]) -> Server {
        let mut cmd = jwtd(dir);
        cmd.args(["serve", "--addr", "127.0.0.1:0"])
            .env("JWTD_SIGNING_KEY", KEY)
            .env("JWTD_ALLOWED_HOSTS", HOSTS)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            if *v == "<none>" {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        Server::spawn(cmd)
    }

    /// Runs `cmd`, a `jwtd serve` with its stderr piped, and waits until it
    /// says where it listens.
    pub fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        let addr = rest
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned();
                        let _ = tx.send(addr);
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(addr) => addr.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start: {}", log.lock().unwrap());
            }
        };
        Server { child, addr, log }
    }

    /// Whether the log shows `text` within two seconds (lines reach it
    /// through a pipe, and access-log lines are buffered until a worker
    /// goes idle).
    pub fn log_eventually_contains(&self, text: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if self.log().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.log().contains(text)
    }

    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL, as a crash or power cut would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(mut self) -> (i32, String) {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                return (status.code().unwrap_or(-1), self.log());
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn post_json(&self, path: &str, json: &str) -> Response {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            json.as_bytes(),
        )
    }

    pub fn get(&self, path: &str, bearer: Option<&str>) -> Response {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        self.request("GET", path, &headers, b"")
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for (k, v) in headers {
            raw.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("\r\n");
        let mut bytes = raw.into_bytes();
        bytes.extend_from_slice(body);
        send(self.addr, &bytes)
    }

    /// Logs in as `user` and returns (refresh, access).
    pub fn login(&self, user: &str) -> (String, String) {
        let r = self.post_json(
            "/api/token/",
            &format!(r#"{{"username":"{user}","password":"{PASSWORD}"}}"#),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        (
            v["refresh"].as_str().unwrap().to_owned(),
            v["access"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failed test shows what the server said.
        if std::thread::panicking() {
            eprintln!("--- the server's log ---\n{}--- end ---", self.log());
        }
    }
}

/// Sends a signal with kill(1).
pub fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

/// A response read off the wire.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends raw bytes on a new connection and reads one response.
pub fn send(addr: SocketAddr, bytes: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    read_response(&mut stream, false).unwrap()
}

/// Reads one response from `stream` (body by Content-Length; none for HEAD).
pub fn read_response(stream: &mut TcpStream, head_request: bool) -> Option<Response> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![
        0u8;
        if head_request || status == 100 {
            0
        } else {
            length
        }
    ];
    stream.read_exact(&mut body).ok()?;
    Some(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A server over a fresh database with user `alice`.
pub fn server_with_alice(env: &[(&str, &str)]) -> (TempDir, Server) {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let server = Server::start(&dir, env);
    (dir, server)
}
