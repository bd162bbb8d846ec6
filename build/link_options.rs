//! Link options that keep the release binary within its size budget
//! (2,000,000 bytes stripped) without giving up a position-independent
//! executable, so the kernel still places it at a random address:
//!
//! - Packed relative relocations (`-z pack-relative-relocs`, DT_RELR): a
//!   PIE's pointers in static data each need a relocation at start, 54 KB
//!   of 24-byte RELA entries here; packed as bitmaps they take under 1 KB.
//!   The dynamic loader must know the format: glibc 2.36 and later.
//! - Identical code folding (`--icf=all`): functions that compiled to the
//!   same bytes (many generic instances do) are kept once, 10 KB here.
//!
//! Both are asked only of the linker rustc uses by default for
//! x86_64-unknown-linux-gnu (rust-lld, since Rust 1.90), only when the
//! build machine is the target and its glibc has DT_RELR, and only for the
//! `jwtd` binary. `JWTD_PLAIN_LINK=1` turns them off: for a binary to copy
//! to a machine with an older glibc, or a linker of one's own.

use std::env;
use std::process::Command;

/// Emits the options, when they apply.
pub fn emit() {
    println!("cargo::rerun-if-env-changed=JWTD_PLAIN_LINK");
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    if env::var_os("JWTD_PLAIN_LINK").is_some_and(|v| v != "0") {
        return;
    }
    let target = env::var("TARGET").unwrap_or_default();
    let host = env::var("HOST").unwrap_or_default();
    if target != "x86_64-unknown-linux-gnu" || host != target || !default_linker() {
        return;
    }
    if glibc_version().is_some_and(|version| version >= (2, 36)) {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo::rustc-link-arg-bins=-Wl,--icf=all");
}

/// Whether nothing in the build's configuration picks another linker.
fn default_linker() -> bool {
    if env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some() {
        return false;
    }
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    !flags.split('\x1f').any(|flag| {
        flag.contains("linker") || flag.contains("fuse-ld") || flag.contains("link-self-contained")
    })
}

/// The build machine's glibc, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
