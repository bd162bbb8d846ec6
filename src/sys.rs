//! The few operating-system calls std does not offer, each wrapped in a safe
//! function. This is the only module with `unsafe` code.
//!
//! - epoll, so a fixed pool of threads can watch every connection;
//! - signal masks and `sigwait`, for a graceful stop on SIGINT/SIGTERM;
//! - per-thread `nice`, so password hashing yields to token checks;
//! - terminal echo, to read a password at a prompt;
//! - memory hints that keep a small server's resident set small;
//! - the user id of a control-socket client.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Maps a `-1` return to the last OS error.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// What a registration waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Readable (or closed).
    Read,
    /// Writable (or closed).
    Write,
}

impl Interest {
    fn flags(self) -> u32 {
        let base = libc::EPOLLRDHUP as u32 | libc::EPOLLONESHOT as u32;
        match self {
            Interest::Read => base | libc::EPOLLIN as u32,
            Interest::Write => base | libc::EPOLLOUT as u32,
        }
    }
}

/// An epoll instance. Registrations are one-shot: after an event is
/// delivered for a descriptor, it is disarmed until [`Epoll::rearm`], so
/// exactly one thread handles a connection at a time.
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

    /// Registers `fd`, one-shot, for `interest`.
    pub fn add(&self, fd: RawFd, token: u64, interest: Interest) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, interest.flags())
    }

    /// Registers `fd` level-triggered for reading, for every waiter: used for
    /// the shutdown signal, which stays readable once raised.
    pub fn add_broadcast(&self, fd: RawFd, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, libc::EPOLLIN as u32)
    }

    /// Re-arms a one-shot registration.
    pub fn rearm(&self, fd: RawFd, token: u64, interest: Interest) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, interest.flags())
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

fn termination_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset and sigaddset initialise the set they are given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        set
    }
}

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts
/// afterwards, so that [`wait_for_termination`] receives them.
pub fn block_termination_signals() -> io::Result<()> {
    let set = termination_signals();
    // SAFETY: `set` is initialised; the old mask is not requested.
    let ret = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(ret))
    }
}

/// Waits for SIGINT or SIGTERM (blocked beforehand) and returns its number.
pub fn wait_for_termination() -> io::Result<i32> {
    let set = termination_signals();
    let mut signal: libc::c_int = 0;
    // SAFETY: both pointers are valid for the call.
    let ret = unsafe { libc::sigwait(&set, &mut signal) };
    if ret == 0 {
        Ok(signal)
    } else {
        Err(io::Error::from_raw_os_error(ret))
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

/// The user id of the process at the other end of the Unix socket `fd`
/// (`SO_PEERCRED`), and this process's effective user id.
pub fn peer_and_own_uid(fd: RawFd) -> io::Result<(u32, u32)> {
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
    // SAFETY: geteuid takes nothing and cannot fail.
    Ok((cred.uid, unsafe { libc::geteuid() }))
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
    fn one_shot_events_need_rearming() {
        let epoll = Epoll::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        epoll.add(b.as_raw_fd(), 7, Interest::Read).unwrap();
        let mut events = [Event::EMPTY; 4];
        assert_eq!(epoll.wait(&mut events, 0).unwrap(), 0);
        a.write_all(b"x").unwrap();
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
        assert_eq!(events[0].token(), 7);
        assert_eq!(epoll.wait(&mut events, 0).unwrap(), 0, "disarmed");
        epoll.rearm(b.as_raw_fd(), 8, Interest::Read).unwrap();
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1, "still readable");
        assert_eq!(events[0].token(), 8);
        epoll.delete(b.as_raw_fd()).unwrap();
    }

    #[test]
    fn broadcast_stays_readable() {
        let epoll = Epoll::new().unwrap();
        let (mut a, b) = UnixStream::pair().unwrap();
        epoll.add_broadcast(b.as_raw_fd(), 1).unwrap();
        a.write_all(b"x").unwrap();
        let mut events = [Event::EMPTY; 1];
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
        assert_eq!(epoll.wait(&mut events, 1000).unwrap(), 1);
    }

    #[test]
    fn lowering_priority_is_harmless() {
        std::thread::spawn(lower_thread_priority).join().unwrap();
    }
}
