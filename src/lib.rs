//! jwtd: a JWT authentication server wire-compatible with
//! djangorestframework-simplejwt 5.5.1.

pub mod config;
pub mod jwt;
pub mod md5;
pub mod password;
pub mod pyjson;
pub mod store;
pub mod token;
