//! Support for jwtd's fuzz targets. The properties live in a module of their
//! own so that `tests/corpus.rs` can compile the very same files on stable
//! and replay the checked-in corpus in plain `cargo test`.

pub mod properties;
