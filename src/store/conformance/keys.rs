//! Signing keys.

use crate::store::{Store, StoreError, StoredKey};

pub(super) fn signing_keys_are_kept_listed_and_retired(store: Store) {
    let key = |kid: &str, created| StoredKey {
        kid: kid.into(),
        created,
        retired: None,
        secret: format!("secret of {kid}").into_bytes(),
    };
    store.add_signing_key(&key("b", 20)).unwrap();
    store.add_signing_key(&key("a", 10)).unwrap();
    assert_eq!(
        store.add_signing_key(&key("a", 30)),
        Err(StoreError::KeyIdTaken)
    );
    assert_eq!(store.signing_keys().unwrap(), [key("a", 10), key("b", 20)]);
    store.retire_signing_key("a", 50).unwrap();
    store.retire_signing_key("a", 60).unwrap();
    assert_eq!(
        store.retire_signing_key("zz", 60),
        Err(StoreError::NoSuchKey)
    );
    let keys = store.signing_keys().unwrap();
    assert_eq!(keys[0].retired, Some(50));
    assert_eq!(keys[0].secret, b"secret of a");
    assert_eq!(keys[1].retired, None);
    assert!(!format!("{:?}", keys[0]).contains("secret of"));
}

pub(super) fn signing_key_is_generated_once(store: Store) {
    let first = store.signing_key_or_insert(|| b"one".to_vec()).unwrap();
    let second = store.signing_key_or_insert(|| b"two".to_vec()).unwrap();
    assert_eq!(
        (first.as_slice(), second.as_slice()),
        (&b"one"[..], &b"one"[..])
    );
}
