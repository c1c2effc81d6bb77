//! `aether-agent`: what an Aether agent links.
//!
//! **Status: under construction.**
//! - [`wire`]: the M2M wire formats (issue 4).
//! - [`scanner`]: the security scanner (issue 4).
//!
//! The encrypted P2P transport (issue 5), chain, discovery and x402 clients are not built yet.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod scanner;
pub mod wire;
