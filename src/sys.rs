//! The few operating-system calls std does not offer, each wrapped in a safe
//! function. This is the only module with `unsafe` code.
//!
//! - epoll, so one event loop per core can watch the connections it owns;
//! - signal masks and `sigwait`, for a graceful stop on SIGINT/SIGTERM
//!   and a reload on SIGHUP;
//! - per-thread `nice`, so password hashing yields to token checks;
//! - terminal echo, to read a password at a prompt;
//! - memory hints that keep a small server's resident set small;
//! - the user id at the other end of a Unix socket, and this process's;
//! - a Unix socket created owner-only, whatever the umask;
//! - a file's POSIX access ACL.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixListener;
use std::path::Path;

/// Maps a `-1` return to the last OS error.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// An epoll instance. A socket is registered once, edge-triggered, for
/// reading and writing ([`Epoll::add_edge`]): its owner reads and writes
/// until the kernel says "would block", and the next change raises the next
/// event, with no `epoll_ctl` per request.
#[derive(Debug)]
pub struct Epoll {
    fd: OwnedFd,
}

/// One readiness event: the registration's token.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Event(libc::epoll_event);

impl Event {
    /// An empty event, to fill a buffer with.
    pub const EMPTY: Event = Event(libc::epoll_event { events: 0, u64: 0 });

    /// The token given at registration.
    pub fn token(&self) -> u64 {
        self.0.u64
    }
}

impl Epoll {
    /// A new epoll instance (close-on-exec).
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers; a valid descriptor is owned below.
        let fd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by the kernel and is owned by no one else.
        Ok(Epoll {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, token: u64, events: u32) -> io::Result<()> {
        let mut event = libc::epoll_event { events, u64: token };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        check(unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut event) }).map(drop)
    }

    /// Registers a socket `fd`, edge-triggered: an event when input
    /// arrives, when room opens after a full send buffer, and on hang-up.
    pub fn add_edge(&self, fd: RawFd, token: u64) -> io::Result<()> {
        let events = libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET;
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, events as u32)
    }

    /// Registers `fd` level-triggered for reading: reported at every wait
    /// until it is read empty.
    pub fn watch(&self, fd: RawFd, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, libc::EPOLLIN as u32)
    }

    /// Removes `fd`.
    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits up to `timeout_ms` (-1: forever) and fills `events`; an
    /// interrupted wait returns no events.
    pub fn wait(&self, events: &mut [Event], timeout_ms: i32) -> io::Result<usize> {
        let max = libc::c_int::try_from(events.len()).unwrap_or(libc::c_int::MAX);
        // SAFETY: `Event` is a transparent epoll_event, and the kernel writes
        // at most `max` of them into the buffer.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                events.as_mut_ptr().cast(),
                max,
                timeout_ms,
            )
        };
        match check(n) {
            Ok(n) => Ok(usize::try_from(n).unwrap_or(0)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }
}

fn server_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset and sigaddset initialise the set they are given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGHUP);
        set
    }
}

/// A signal the server acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT or SIGTERM, by number: stop.
    Stop(i32),
    /// SIGHUP: reload the settings.
    Hangup,
}

/// Blocks SIGINT, SIGTERM and SIGHUP in this thread and every thread it
/// starts afterwards, so that [`wait_for_signal`] receives them (and
/// SIGHUP's default action, ending the process, never runs).
pub fn block_server_signals() -> io::Result<()> {
    let set = server_signals();
    // SAFETY: `set` is initialised; the old mask is not requested.
    let ret = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(ret))
    }
}

/// Waits for SIGINT, SIGTERM or SIGHUP (blocked beforehand).
pub fn wait_for_signal() -> io::Result<Signal> {
    let set = server_signals();
    let mut signal: libc::c_int = 0;
    // SAFETY: both pointers are valid for the call.
    let ret = unsafe { libc::sigwait(&set, &mut signal) };
    match ret {
        0 if signal == libc::SIGHUP => Ok(Signal::Hangup),
        0 => Ok(Signal::Stop(signal)),
        _ => Err(io::Error::from_raw_os_error(ret)),
    }
}

/// Lowers the calling thread's scheduling priority (nice 10). Best effort:
/// failure leaves the priority as it was.
pub fn lower_thread_priority() {
    // SAFETY: gettid takes no arguments; setpriority on PRIO_PROCESS with a
    // thread id changes only that thread on Linux.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid);
        if let Ok(tid) = libc::id_t::try_from(tid) {
            libc::setpriority(libc::PRIO_PROCESS, tid, 10);
        }
    }
}

/// Raises the soft limit on open descriptors to the hard limit, and returns
/// the limit in force.
pub fn raise_fd_limit() -> io::Result<u64> {
    // SAFETY: getrlimit and setrlimit read and write the struct given.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        check(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit))?;
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return Ok(raised.rlim_cur);
            }
        }
        Ok(limit.rlim_cur)
    }
}

/// Releases the pages of executable code the kernel mapped around the ones
/// actually run (read-around), and stops it from doing so from now on:
/// afterwards only code that runs is resident. Code is file-backed and
/// never written, so a released page is simply read back from the page
/// cache if it is ever needed. Best effort.
pub fn release_unused_code() {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(range), Some(&"r-xp"), Some(path)) =
            (fields.first(), fields.get(1), fields.get(5))
        else {
            continue;
        };
        if !path.starts_with('/') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        // SAFETY: the range is a whole mapping of this process, read from
        // /proc/self/maps; MADV_RANDOM only changes paging policy, and
        // MADV_DONTNEED on a private, never-written file mapping only drops
        // pages that fault back in unchanged.
        unsafe {
            let addr = start as *mut libc::c_void;
            libc::madvise(addr, end - start, libc::MADV_RANDOM);
            libc::madvise(addr, end - start, libc::MADV_DONTNEED);
        }
    }
}

/// Limits glibc to two malloc arenas: with one per thread, each idle
/// worker would keep its own heap resident. Best effort.
pub fn limit_malloc_arenas() {
    // SAFETY: mallopt takes no pointers; M_ARENA_MAX is a glibc parameter.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// The user id of the process at the other end of the connected Unix
/// socket `fd` (`SO_PEERCRED`): for a client, the one that called
/// `listen`; for a server, the one that called `connect`. The kernel
/// records it; the peer cannot choose what it says.
pub fn peer_uid(fd: RawFd) -> io::Result<u32> {
    // SAFETY: getsockopt writes at most `len` bytes into the zeroed ucred.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    check(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    })?;
    Ok(cred.uid)
}

/// This process's effective user id.
pub fn own_uid() -> u32 {
    // SAFETY: geteuid takes nothing and cannot fail.
    unsafe { libc::geteuid() }
}

/// A Unix stream socket listening at `path`, whose file is created with
/// `mode` (less the umask's bits) rather than 0777 less the umask: the
/// socket's own mode is set before `bind` creates the file, which takes it
/// from there on Linux. So the file is never more open than `mode`, not
/// even for an instant. Fails if anything is at `path`.
pub fn bind_unix_listener(path: &Path, mode: u32) -> io::Result<UnixListener> {
    // SAFETY: an all-zero sockaddr_un is a valid (empty) address.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_bytes();
    // One byte stays for the terminating NUL.
    if bytes.is_empty() || bytes.len() >= addr.sun_path.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a usable Unix socket path (empty, a NUL, or 108 bytes or more)",
        ));
    }
    for (slot, byte) in addr.sun_path.iter_mut().zip(bytes) {
        *slot = *byte as libc::c_char;
    }
    // SAFETY: socket takes no pointers; the descriptor is owned below.
    let fd =
        check(unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: `fd` was just returned by the kernel and is owned by no one else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: fchmod takes no pointers.
    check(unsafe { libc::fchmod(fd.as_raw_fd(), mode as libc::mode_t) })?;
    let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1;
    // SAFETY: `addr` is an initialised sockaddr_un and `len` within it.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_un).cast(),
            len as libc::socklen_t,
        )
    })?;
    // SAFETY: listen takes no pointers.
    check(unsafe { libc::listen(fd.as_raw_fd(), 128) })?;
    Ok(UnixListener::from(fd))
}

/// The POSIX access ACL of `path` in the kernel's extended-attribute form
/// (`system.posix_acl_access`), or `None` when it has none: the mode bits
/// then say everything.
pub fn access_acl(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in the path"))?;
    let name = c"system.posix_acl_access";
    // The ACL may change between asking its size and reading it: retry.
    for _ in 0..4 {
        // SAFETY: a zero size asks for the length only; nothing is written.
        let size = unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), std::ptr::null_mut(), 0) };
        if size < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENODATA) | Some(libc::EOPNOTSUPP) => Ok(None),
                _ => Err(e),
            };
        }
        let mut buf = vec![0u8; size as usize];
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        let read = unsafe {
            libc::getxattr(
                path.as_ptr(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if read >= 0 {
            buf.truncate(read as usize);
            return Ok(Some(buf));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ERANGE) => continue,
            Some(libc::ENODATA) => return Ok(None),
            _ => return Err(e),
        }
    }
    Err(io::Error::other("the ACL kept changing while it was read"))
}

/// Sets `path`'s access ACL from its extended-attribute form: for tests of
/// the checks that read it.
#[cfg(test)]
pub fn set_access_acl(path: &Path, acl: &[u8]) -> io::Result<()> {
    let path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in the path"))?;
    // SAFETY: both strings are NUL-terminated; `acl` is read for its length.
    check(unsafe {
        libc::setxattr(
            path.as_ptr(),
            c"system.posix_acl_access".as_ptr(),
            acl.as_ptr().cast(),
            acl.len(),
            0,
        )
    })
    .map(drop)
}

/// Runs `read` with terminal echo off on `fd`, restoring it afterwards.
pub fn without_echo<T>(fd: RawFd, read: impl FnOnce() -> T) -> io::Result<T> {
    // SAFETY: tcgetattr fills the zeroed termios it is given.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    check(unsafe { libc::tcgetattr(fd, &mut saved) })?;
    let mut quiet = saved;
    quiet.c_lflag &= !libc::ECHO;
    // SAFETY: `quiet` is a valid termios copied from the terminal's own.
    check(unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) })?;
    let result = read();
    // SAFETY: restores the settings read above.
    check(unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) })?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::os::unix::net::UnixStream;

    #[test]
    fn an_edge_is_reported_once_per_change() {
        let epoll = Epoll::new().unwrap();
        let (mut a, mut b) = UnixStream::pair().unwrap();
        b.set_nonblocking(true).unwrap();
        epoll.add_edge(b.as_raw_fd(), 7).unwrap();
        let mut events = [Event::EMPTY; 4];
        // Writable from the start: one event, then quiet.
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
        assert_eq!(epoll.wait(&mut events, 0).unwrap(), 0);
        a.write_all(b"x").unwrap();
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
        assert_eq!(events[0].token(), 7);
        // Unread, the byte raises nothing more: only new input does.
        assert_eq!(epoll.wait(&mut events, 0).unwrap(), 0, "no new edge");
        a.write_all(b"y").unwrap();
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1, "new input");
        let mut buf = [0u8; 4];
        assert_eq!(std::io::Read::read(&mut b, &mut buf).unwrap(), 2);
        epoll.delete(b.as_raw_fd()).unwrap();
    }

    #[test]
    fn a_watched_descriptor_is_reported_until_read() {
        let epoll = Epoll::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        epoll.watch(b.as_raw_fd(), 1).unwrap();
        a.write_all(b"x").unwrap();
        let mut events = [Event::EMPTY; 1];
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
    }

    #[test]
    fn a_unix_socket_is_created_with_the_mode_given_not_the_umasks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = crate::scratch_dir::ScratchDir::new("sys");
        let path = dir.join("s.sock");
        let listener = bind_unix_listener(&path, 0o600).unwrap();
        // std's bind would leave 0777 less the umask (0755 under 022).
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let client = UnixStream::connect(&path).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert_eq!(peer_uid(client.as_raw_fd()).unwrap(), own_uid());
        assert_eq!(peer_uid(server.as_raw_fd()).unwrap(), own_uid());
        assert!(bind_unix_listener(&path, 0o600).is_err(), "taken");
        assert!(bind_unix_listener(&dir.join("x".repeat(120)), 0o600).is_err());
    }

    #[test]
    fn lowering_priority_is_harmless() {
        std::thread::spawn(lower_thread_priority).join().unwrap();
    }
}
