//! aether-protocol
pub mod network;
