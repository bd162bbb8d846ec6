//! The files that hold secrets: the database (signing keys, password
//! hashes), the signing key file, the control socket. jwtd creates its own
//! owner-only (0600) whatever the umask, and says who else may read or
//! write one ([`exposure`]): `jwtd serve` refuses to start over an exposed
//! database or key file, and the command line warns.
//!
//! Access is read from the mode bits and, when the file has one, from its
//! POSIX ACL (`sys::access_acl`): an ACL turns the group bits into a mask
//! over named users and groups, so the bits alone would mislead. systemd's
//! credentials are such files: mode 0400 owned by root, with an ACL entry
//! giving the service's user read access, which `ls` shows as `r--r-----+`.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::sys;

/// Owner read and write, nothing for anyone else.
pub const OWNER_ONLY: u32 = 0o600;

/// The longest key file [`read_key_file`] reads: a PEM RSA 4096-bit
/// private key is about 3.3 KiB, an HMAC secret far less.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// The contents of a key file. At most [`MAX_KEY_FILE_BYTES`] + 1 bytes
/// are read: a longer file (or a device that never ends) is refused
/// without being read whole.
pub fn read_key_file(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("longer than {MAX_KEY_FILE_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// Opens `path` for reading and writing, creating it owner-only (0600)
/// if it does not exist. A file created here is 0600 even under a umask
/// that would have taken the owner's own bits; an existing file keeps its
/// mode (see [`exposure`]).
pub fn open_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    match options.clone().create_new(true).mode(OWNER_ONLY).open(path) {
        Ok(file) => {
            // The umask can only have taken bits away; give the owner back
            // hers before anything is written.
            file.set_permissions(std::fs::Permissions::from_mode(OWNER_ONLY))?;
            Ok(file)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => options.open(path),
        Err(e) => Err(e),
    }
}

/// Who besides the owner, root and this process's user may read or write
/// a file: what [`exposure`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The file's permission bits.
    pub mode: u32,
    /// One entry per reader or writer: "readable by others".
    pub grants: Vec<String>,
}

impl fmt::Display for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (mode {:04o})", self.grants.join(", "), self.mode)
    }
}

/// Who besides the file's owner, root and this process's user may read or
/// write `path` (following symbolic links); `None` when no one.
pub fn exposure(path: &Path) -> io::Result<Option<Exposure>> {
    let meta = std::fs::metadata(path)?;
    let acl = sys::access_acl(path)?;
    Ok(exposure_of(
        meta.permissions().mode() & 0o7777,
        meta.uid(),
        sys::own_uid(),
        acl.as_deref(),
    ))
}

/// "readable", "writable" or both, for the r and w bits of `perm`; `None`
/// when neither is set (execute alone exposes nothing).
fn access(perm: u32) -> Option<&'static str> {
    match (perm & 4 != 0, perm & 2 != 0) {
        (true, true) => Some("readable and writable"),
        (true, false) => Some("readable"),
        (false, true) => Some("writable"),
        (false, false) => None,
    }
}

/// ACL entry tags (`linux/posix_acl.h`).
const ACL_USER: u16 = 0x02;
const ACL_GROUP_OBJ: u16 = 0x04;
const ACL_GROUP: u16 = 0x08;
const ACL_MASK: u16 = 0x10;
/// The only version of the extended-attribute form.
const ACL_XATTR_VERSION: u32 = 2;

/// One ACL entry: tag, permission bits, user or group id.
type AclEntry = (u16, u32, u32);

/// The entries of an ACL in its extended-attribute form (a little-endian
/// version 2, then 8 bytes per entry); `None` when it is not that form.
fn acl_entries(xattr: &[u8]) -> Option<Vec<AclEntry>> {
    let (version, entries) = xattr.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*version) != ACL_XATTR_VERSION || entries.len() % 8 != 0 {
        return None;
    }
    Some(
        entries
            .chunks_exact(8)
            .map(|e| {
                (
                    u16::from_le_bytes([e[0], e[1]]),
                    u32::from(u16::from_le_bytes([e[2], e[3]])),
                    u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
                )
            })
            .collect(),
    )
}

/// [`exposure`] from the facts: the mode bits, the owner, this process's
/// user and the ACL, if any. Others are the low bits whatever the ACL. With
/// an ACL that has a mask, the group bits are that mask, and what the
/// owning group, each named group and each named user other than the
/// owner, root and this process's user may do is their entry within it;
/// without one, the group bits are the owning group's.
fn exposure_of(mode: u32, owner: u32, me: u32, acl: Option<&[u8]>) -> Option<Exposure> {
    let mut grants = Vec::new();
    let entries = acl.and_then(acl_entries);
    let mask = entries
        .iter()
        .flatten()
        .find(|(tag, _, _)| *tag == ACL_MASK)
        .map(|(_, perm, _)| *perm);
    match (&entries, mask) {
        (Some(entries), Some(mask)) => {
            for (tag, perm, id) in entries {
                let who = match *tag {
                    ACL_GROUP_OBJ => "its group".to_owned(),
                    ACL_GROUP => format!("group {id} (ACL)"),
                    ACL_USER if ![owner, me, 0].contains(id) => format!("user {id} (ACL)"),
                    _ => continue,
                };
                if let Some(access) = access(perm & mask) {
                    grants.push(format!("{access} by {who}"));
                }
            }
        }
        _ => {
            if let Some(access) = access(mode >> 3) {
                grants.push(format!("{access} by its group"));
            }
        }
    }
    if let Some(access) = access(mode) {
        grants.push(format!("{access} by others"));
    }
    (!grants.is_empty()).then_some(Exposure { mode, grants })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ACL_USER_OBJ: u16 = 0x01;
    const ACL_OTHER: u16 = 0x20;
    const UNDEFINED: u32 = u32::MAX;

    /// An ACL in its extended-attribute form.
    fn acl(entries: &[AclEntry]) -> Vec<u8> {
        let mut out = ACL_XATTR_VERSION.to_le_bytes().to_vec();
        for (tag, perm, id) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&(*perm as u16).to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
        }
        out
    }

    /// What systemd gives a service's user for a credential: the file
    /// root's at 0400, read for the service's user through the ACL.
    fn credential(service: u32) -> Vec<u8> {
        acl(&[
            (ACL_USER_OBJ, 4, UNDEFINED),
            (ACL_USER, 4, service),
            (ACL_GROUP_OBJ, 0, UNDEFINED),
            (ACL_MASK, 4, UNDEFINED),
            (ACL_OTHER, 0, UNDEFINED),
        ])
    }

    fn grants(mode: u32, acl: Option<&[u8]>) -> Vec<String> {
        exposure_of(mode, 1000, 1000, acl).map_or_else(Vec::new, |e| e.grants)
    }

    #[test]
    fn the_mode_bits_say_who_else_reads_or_writes() {
        assert!(grants(0o600, None).is_empty());
        assert!(grants(0o400, None).is_empty());
        assert!(
            grants(0o711, None).is_empty(),
            "execute alone exposes nothing"
        );
        assert_eq!(
            grants(0o644, None),
            ["readable by its group", "readable by others"]
        );
        assert_eq!(grants(0o620, None), ["writable by its group"]);
        assert_eq!(grants(0o606, None), ["readable and writable by others"]);
        let e = exposure_of(0o640, 1000, 1000, None).unwrap();
        assert_eq!(e.to_string(), "readable by its group (mode 0640)");
    }

    #[test]
    fn an_acl_is_read_through_its_mask() {
        // A systemd credential for the service's user (this process):
        // `r--r-----+`, and no one else can read it.
        let service = 61_234;
        let cred = credential(service);
        assert!(exposure_of(0o440, 0, service, Some(&cred)).is_none());
        // The same file seen by another account's jwtd: that user reads it.
        assert_eq!(
            exposure_of(0o440, 0, 1000, Some(&cred)).unwrap().grants,
            [format!("readable by user {service} (ACL)")]
        );
        // Named groups and the owning group count within the mask...
        let shared = acl(&[
            (ACL_USER_OBJ, 6, UNDEFINED),
            (ACL_GROUP_OBJ, 4, UNDEFINED),
            (ACL_GROUP, 6, 50),
            (ACL_MASK, 6, UNDEFINED),
            (ACL_OTHER, 0, UNDEFINED),
        ]);
        assert_eq!(
            grants(0o660, Some(&shared)),
            [
                "readable by its group",
                "readable and writable by group 50 (ACL)"
            ]
        );
        // ...and `chmod 600` (mask ---) ends both.
        let masked = acl(&[
            (ACL_USER_OBJ, 6, UNDEFINED),
            (ACL_GROUP_OBJ, 4, UNDEFINED),
            (ACL_GROUP, 6, 50),
            (ACL_MASK, 0, UNDEFINED),
            (ACL_OTHER, 0, UNDEFINED),
        ]);
        assert!(grants(0o600, Some(&masked)).is_empty());
        // Others are the low bits, with or without an ACL.
        assert_eq!(grants(0o604, Some(&masked)), ["readable by others"]);
        // An ACL that cannot be read leaves the mode bits to decide.
        assert_eq!(grants(0o640, Some(b"junk")), ["readable by its group"]);
    }

    #[test]
    fn a_key_file_is_read_up_to_its_bound_and_refused_beyond_it() {
        let dir = crate::scratch_dir::ScratchDir::new("keyfile");
        let path = dir.join("key");
        let longest = vec![b'k'; MAX_KEY_FILE_BYTES as usize];
        std::fs::write(&path, &longest).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), longest);
        std::fs::write(&path, [longest.as_slice(), b"k"].concat()).unwrap();
        let error = read_key_file(&path).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert_eq!(error.to_string(), "longer than 65536 bytes");
        // A device that never ends is refused after the bound, not read forever.
        let zero = read_key_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(zero.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_created_file_is_owner_only_and_an_existing_one_is_left_alone() {
        let dir = crate::scratch_dir::ScratchDir::new("files");
        let path = dir.join("secret");
        drop(open_private(&path).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(exposure(&path).unwrap(), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open_private(&path).unwrap());
        assert_eq!(mode(&path), 0o644, "an existing file keeps its mode");
        assert_eq!(
            exposure(&path).unwrap().unwrap().to_string(),
            "readable by its group, readable by others (mode 0644)"
        );
        // A real ACL, as the kernel stores it, where the file system keeps
        // them: a named user other than this one reads the file.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let named = acl(&[
            (ACL_USER_OBJ, 6, UNDEFINED),
            (ACL_USER, 4, 4_000_000),
            (ACL_GROUP_OBJ, 0, UNDEFINED),
            (ACL_MASK, 4, UNDEFINED),
            (ACL_OTHER, 0, UNDEFINED),
        ]);
        if sys::set_access_acl(&path, &named).is_ok() {
            assert_eq!(mode(&path), 0o640, "the group bits show the mask");
            assert_eq!(
                exposure(&path).unwrap().unwrap().grants,
                ["readable by user 4000000 (ACL)"]
            );
        }
    }
}
