//! express-session-rs: the Rust core of a drop-in replacement for express-session.
//!
//! The core is plain Rust with no Node-API and no `unsafe`: `signer` (cookie
//! signing), `sid` (session IDs), `store` (the native session store) and `text`
//! (JS strings as lossless bytes). `node` is the Node-API binding over it; all of
//! the crate's `unsafe` lives in `node::raw`.

#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

// (napi-derive leaves the module registration out of unit-test builds, so the
// binding is unused there)
#[cfg_attr(test, allow(dead_code))]
mod node;
pub mod sid;
pub mod signer;
pub mod store;
pub mod text;
