//! jwtd: a JWT authentication server wire-compatible with
//! djangorestframework-simplejwt 5.5.1.

pub mod config;
pub mod hasher;
pub mod jwt;
pub mod log;
pub mod md5;
pub mod password;
pub mod pyjson;
pub mod store;
pub mod sys;
pub mod time;
pub mod token;
pub mod writer;
pub mod auth;
