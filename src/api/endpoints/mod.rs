//! One view per endpoint, each in its own file, called by the router once
//! the route, the credentials (where a user is needed) and the method are
//! settled.

pub mod admin;
pub mod blacklist;
pub mod health;
pub mod jwks;
pub mod metrics;
pub mod obtain;
pub mod page;
pub mod protected;
pub mod refresh;
pub mod revoke_all;
pub mod schema;
pub mod verify;

#[cfg(test)]
mod tests;
