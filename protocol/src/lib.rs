//! `aether-protocol`: the types every Aether crate shares. Pure Rust, no IO.
//!
//! - [`network`]: Aptos networks, chain ids and CAIP-2 ids (`aptos:1`, `aptos:2`, `aptos:4`).
//! - [`abi`]: the on-chain ABI of `agent_card`, `delegated_sessions` and `validation_oracle`
//!   (mirrors `contracts/README.md`): typed entry-function calls that build `aptos-sdk`
//!   payloads and decode back from BCS, views, view return structs, events, limits.
//! - [`abort`]: every abort code with its Move name and meaning, and the `vm_status` decoder.
//! - [`payment`]: `PaymentAuthorization`, the message a session key signs, byte for byte.
//! - [`address`]: deterministic object and resource-account addresses.
//! - [`reputation`]: the reputation formula as a pure function.
//! - [`move_value`], [`json`]: Move argument encodings (BCS and the node's JSON).
//!
//! ```text
//!  contracts/README.md (the ABI table)
//!        │ mirrored by
//!        ▼
//!  aether-protocol ──► localnet (executes calls it decodes), indexer (parses events),
//!                      facilitator (verifies PaymentAuthorization), agent-sdk, cli (build payloads)
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod abi;
pub mod abort;
pub mod address;
pub mod json;
pub mod move_value;
pub mod network;
pub mod payment;
pub mod reputation;

pub use abi::AetherEvent;
pub use abort::{AbortCode, VmAbort, decode_vm_status};
pub use network::{Network, NetworkId};
pub use payment::PaymentAuthorization;

/// Errors of this crate: bad input to a decoder or parser.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    /// A network name that is not `local`, `devnet`, `testnet` or `mainnet`.
    #[error("unknown network {0:?} (expected local, devnet, testnet or mainnet)")]
    UnknownNetwork(String),
    /// A CAIP-2 id that is not `aptos:<0-255>`.
    #[error("invalid network id {0:?} (expected aptos:<chain id>, e.g. aptos:2)")]
    InvalidNetworkId(String),
    /// A Move value that does not decode as its type.
    #[error("bad {ty} value: {reason}")]
    BadArgument {
        /// The Move type.
        ty: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A function argument that does not decode.
    #[error("{module}::{function}: argument `{arg}`: {reason}")]
    InvalidArgument {
        /// Module.
        module: &'static str,
        /// Function.
        function: &'static str,
        /// Argument name.
        arg: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A call with the wrong number of arguments.
    #[error("{module}::{function} takes {expected} arguments, got {got}")]
    WrongArity {
        /// Module.
        module: &'static str,
        /// Function.
        function: &'static str,
        /// Declared arity.
        expected: usize,
        /// Arguments given.
        got: usize,
    },
    /// A function the module does not define.
    #[error("{module} has no function {function:?}")]
    UnknownFunction {
        /// Module.
        module: &'static str,
        /// Requested name.
        function: String,
    },
    /// Event data that does not match its struct.
    #[error("event {name}: {reason}")]
    BadEvent {
        /// Event struct name.
        name: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A public key that is not a valid 32-byte ed25519 point.
    #[error("invalid ed25519 public key ({len} bytes)")]
    InvalidPublicKey {
        /// Length given.
        len: usize,
    },
    /// A signature that is malformed or does not verify.
    #[error("invalid signature")]
    InvalidSignature,
}
