//! The policy with an in-memory store and a fixed clock.

use std::sync::{Arc, Barrier};
use std::thread;

use super::refresh::Presenter;
use super::*;
use crate::clock::Clock;
use crate::jwt::{Algorithm, Claims, Key};
use crate::password;
use crate::store::NewUser;
use crate::token::JtiSource;

mod bearer;
mod claims;
mod login;
mod refresh;
mod revocation;
mod verify_blacklist;

pub(super) const NOW: u64 = 1_735_689_600;
pub(super) const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// SimpleJWT vector V1: a refresh token for user 1 minted by Django.
const V1_REFRESH: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTczNTc3NjAwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInVzZXJfaWQiOiIxIn0.xWdg4K5yRUgKRR4wMngHA6v6WJb5kBdiP5k6K8CeGjQ";
/// `correct horse battery staple` at 1000 iterations (reference P1).
const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";
pub(super) const PASSWORD: &str = "correct horse battery staple";
pub(super) const CLIENT: std::net::IpAddr =
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

pub(super) struct Fixture {
    pub(super) auth: Auth,
    pub(super) store: Arc<Store>,
    pub(super) tokens: Tokens,
}

pub(super) fn settings() -> Settings {
    Settings {
        password_iterations: 1000,
        ..Settings::default()
    }
}

pub(super) fn fixture_with(settings: Settings) -> Fixture {
    let settings = Arc::new(settings);
    let store = Arc::new(Store::open_in_memory().unwrap());
    let clock = Arc::new(Clock::fixed(NOW));
    let (writer, _thread) = Writer::start(
        store.clone(),
        clock.clone(),
        std::time::Duration::from_secs(3600),
        0,
    )
    .unwrap();
    let key = || Key::new(settings.algorithm, KEY).unwrap();
    let tokens = Tokens::new(&settings, key(), JtiSource::Random);
    let auth = Auth::new(
        settings.clone(),
        Tokens::new(&settings, key(), JtiSource::Random),
        store.clone(),
        writer,
        clock,
    );
    add_user(&store, "alice", P1, true);
    Fixture {
        auth,
        store,
        tokens,
    }
}

fn fixture() -> Fixture {
    fixture_with(settings())
}

fn add_user(store: &Store, name: &str, hash: &str, active: bool) -> User {
    store
        .add_user(NewUser {
            id: None,
            user: User {
                is_active: active,
                ..User::active(0, name, hash)
            },
        })
        .unwrap()
}

impl Fixture {
    fn login(&self) -> TokenPair {
        self.auth.login("alice", PASSWORD, CLIENT, NOW).unwrap()
    }

    /// The refresh token a refresh of `refresh` at `now` rotates it for.
    fn rotate(&self, refresh: &str, now: u64) -> String {
        let refreshed = self.auth.refresh(refresh, CLIENT, now).unwrap();
        refreshed.refresh.expect("ROTATE_REFRESH_TOKENS is on")
    }

    pub(super) fn claims(&self, token: &str) -> Claims {
        self.tokens.decode(token, NOW + 100).unwrap()
    }

    pub(super) fn bearer(&self, token: &str) -> Result<Option<User>, AuthError> {
        self.auth
            .authenticate(Some(format!("Bearer {token}").as_bytes()), NOW)
    }

    /// A token signed with the server key from raw payload JSON.
    pub(super) fn forge(&self, payload: &str) -> String {
        let key = Key::new(Algorithm::HS256, KEY).unwrap();
        crate::jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes()).unwrap()
    }
}
