//! jwtd: a JWT authentication server wire-compatible with
//! djangorestframework-simplejwt 5.5.1.

pub mod jwt;
pub mod pyjson;
