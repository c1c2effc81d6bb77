//! `aether-agent`: what an Aether agent links.
//!
//! **Status: under construction.**
//! - [`wire`]: the M2M wire formats (issue 4): interop M2M v1 (binary, text, HMAC), Brotli and TokenNative; Aether `#M2A|` frames (readable routing header, shipped zstd dictionary); SSE framing; limits. See the crate README, "Wire formats".
//! - [`scanner`]: the security scanner (issue 4): prompt injection, jailbreak, exfiltration and
//!   encoding attacks in text or JSON, per-category scores and evidence offsets into the original input.
//! - [`p2p`]: end-to-end encrypted P2P messaging between agents (issue 5): handshake, records, session, TCP/WebSocket, `Agent`.
//!
//! Chain, discovery and x402 clients are not built yet.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod p2p;
pub mod scanner;
pub mod wire;
