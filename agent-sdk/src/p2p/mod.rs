//! End-to-end encrypted P2P messaging between agents (issue 5).
//!
//! Agents talk to each other directly; the hub (bazaar, indexer) only helps them find each other
//! and never sees message content.
//!
//! # Security model
//! - Each agent has a long-term ed25519 **messaging key**, published in its agent card
//!   (`CardInfo::messaging_pubkey`). [`Identity`] holds the secret half.
//! - Each connection runs an authenticated key exchange ([`handshake`]): ephemeral X25519 on both
//!   sides; each side signs the transcript (both ephemerals, its identity, its agent id, and for
//!   the initiator everything the responder sent) with its long-term key; identities travel
//!   encrypted under keys from the ephemeral DH, which also proves each side holds the DH secret
//!   (SIGMA-I, the shape of Noise XX with signatures). Keys come from HKDF-SHA256 salted with the
//!   transcript hash: one key and IV per direction.
//! - Records ([`record`]) are AES-256-GCM with a nonce of IV ⊕ sequence number; the sequence is
//!   also in the authenticated header so a replayed or reordered record is refused before
//!   decryption, and a flipped bit fails authentication. Any bad frame closes the session with a
//!   reason ([`CloseReason`]); nothing decrypted from a bad frame reaches the application. A
//!   transport that ends without CLOSE is reported as [`CloseReason::TransportClosed`]
//!   (possible truncation).
//! - A peer whose proven key does not match the card of the agent id it claims is refused. The
//!   check goes through a pluggable [`Directory`]: [`ChainDirectory`] (aptos-sdk views of
//!   `agent_card::get_card`), [`StaticDirectory`] (tests, CLI), or an indexer-backed one.
//! - Optionally ([`AgentBuilder::accept_unlisted`], e.g. `aether-cli listen`) peers whose agent
//!   id has no card are accepted; their messages say `card_verified: false`, and such connections
//!   are never pooled under the claimed id (so a later send to that id dials the real card).
//! - Forward secrecy: X25519 secrets are x25519-dalek `EphemeralSecret`s, consumed by the single
//!   DH and zeroized on drop, as is the DH output; only traffic keys outlive the handshake.
//!   (Our copies of traffic keys are wiped on drop on a best-effort basis: the workspace forbids
//!   `unsafe`, so no volatile writes.)
//! - Inbound payloads pass an [`InboundInspector`] (the security scanner through
//!   [`ScannerInspector`]) before delivery, under a [`ScanPolicy`] (block, flag, allow); the
//!   verdict is visible on every [`IncomingMessage`].
//! - Not covered: hiding *who talks to whom* from the network (IP addresses are visible), key
//!   rotation inside a session (re-connect instead), and revocation beyond what the directory
//!   says at connect time.
//!
//! # Layers (sans-IO core, thin tokio shell)
//! ```text
//! Agent (agent.rs) ── pool, requests, broadcast, incoming stream, stats
//!   │  one task per connection: drive(Session, FrameIo)
//! Session (session.rs) ── HELLO/ACCEPT/REJECT, PING/PONG, DATA, CLOSE, timers   ← sans-IO
//!   ├─ handshake.rs ── msg1/msg2/msg3, HKDF key schedule                        ← sans-IO
//!   ├─ record.rs ──── AES-256-GCM records, sequence numbers                     ← sans-IO
//!   └─ message.rs ─── session message codec                                     ← sans-IO
//! FrameIo (transport.rs) ── TCP length-delimited frames | WebSocket binary messages
//! Directory / Presence (directory.rs), InboundInspector (inspect.rs), RandomSource (random.rs)
//! ```
//!
//! # Limits
//! Frame size ([`SessionConfig::max_frame`], default [`DEFAULT_MAX_FRAME`], negotiated down to
//! the smaller side), handshake, idle and keep-alive timeouts ([`SessionConfig`]), requests in
//! flight ([`AgentBuilder::max_in_flight`]), connections ([`AgentBuilder::max_connections`]); each
//! has its own error variant.
//!
//! # Compression
//! HELLO offers, in order, `aether` (the M2M codec's Aether frame from [`crate::wire`]),
//! `brotli` and `none`; the responder picks the first of its own list the initiator offered.
//! Payloads of at least [`SessionConfig::compress_min`] bytes are compressed when that helps (the
//! Aether codec takes JSON only; anything else goes uncompressed), and decompression is bounded
//! by the frame size. Compression happens inside the encrypted record.

pub mod agent;
pub mod directory;
pub mod handshake;
pub mod identity;
pub mod inspect;
pub mod message;
pub mod random;
pub mod record;
pub mod session;
pub mod transport;

pub use agent::{Agent, AgentBuilder, AgentError, Incoming, IncomingMessage, Stats, TransportKind};
pub use directory::{
    ChainDirectory, Directory, DirectoryError, DiscoverFilter, PeerCard, Presence, StaticDirectory,
};
pub use handshake::{HandshakeError, PeerIdentity};
pub use identity::{AgentId, Identity, IdentityError, PeerKey};
pub use inspect::{InboundInspector, ScanOutcome, ScanPolicy, ScannerInspector, Verdict};
pub use message::{CodecError, Envelope, Kind, MessageId, SessionMessage};
pub use random::{OsRandom, RandomSource, SeededRandom};
pub use record::RecordError;
pub use session::{
    CloseReason, Compression, DEFAULT_MAX_FRAME, Event, Negotiated, PeerPolicy, Session,
    SessionConfig, SessionError,
};
pub use transport::{Endpoint, FrameIo, StreamFrames, TransportError, WsFrames};
