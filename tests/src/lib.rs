//! `aether-tests`: end-to-end scenarios across the Aether crates, run on loopback.
//!
//! The scenarios live in `tests/`:
//! - `p2p_over_chain.rs`: agents register their messaging keys and P2P endpoints as agent cards on
//!   an embedded localnet, find each other through the chain-backed directory, talk over the
//!   encrypted P2P transport, and an impostor whose key does not match the on-chain card is
//!   refused.
//!
//! The contracts scenario (sessions, payments, stake, disputes) runs against the localnet in
//! `localnet/tests/scenario.rs`.
