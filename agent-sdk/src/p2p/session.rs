//! The session state machine (sans-IO): handshake, capability negotiation, keep-alive, data, close.
//!
//! A [`Session`] takes whole frames in ([`Session::handle_frame`]) and the current time, and gives
//! frames out ([`Session::poll_transmit`]), [`Event`]s ([`Session::poll_event`]) and the next
//! instant it wants to be woken ([`Session::poll_timeout`] / [`Session::handle_timeout`]). It
//! never touches a socket or a clock, so tests move frames between two sessions in memory and
//! choose the time; the tokio driver in [`super::agent`] runs the same code over TCP or
//! WebSocket.
//!
//! ```text
//! initiator                                   responder
//!   msg1 ───────────────────────────────────────▶
//!        ◀─────────────────────────────────────── msg2 (responder identity, signed)
//!   [check key: PeerPolicy]
//!   msg3, HELLO(caps) ──────────────────────────▶ [check key: PeerPolicy]
//!        ◀─────────────────────────────────────── ACCEPT(chosen caps) | REJECT(code)
//!   DATA / PING / PONG ◀────────────────────────▶ DATA / PING / PONG
//!   CLOSE(code, reason) ────────────────────────▶
//! ```
//! Any bad frame (replayed, reordered, tampered, malformed, oversized) closes the session: a
//! CLOSE with the reason is queued for the peer (when keys exist), [`Event::Closed`] is emitted,
//! and the error is returned. Nothing from a bad frame becomes an [`Event::Message`].

use std::collections::VecDeque;
use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use super::handshake::{
    HandshakeError, Initiator, InitiatorVerified, MAX_HANDSHAKE_MSG, PeerIdentity, Responder,
    ResponderSent, TrafficKeys,
};
use super::identity::{AgentId, Identity, PeerKey};
use super::message::{Capabilities, CodecError, Encoding, Envelope, SessionMessage};
use super::random::RandomSource;
use super::record::{RECORD_OVERHEAD, RecordError};

/// Session protocol major version (must match).
pub const PROTOCOL_MAJOR: u8 = 1;
/// Session protocol minor version.
pub const PROTOCOL_MINOR: u8 = 0;
/// Default largest frame (record bytes) accepted: 1 MiB.
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;
/// Largest `max_frame` a configuration may ask for: 16 MiB.
pub const MAX_FRAME_LIMIT: usize = 16 << 20;
/// Smallest `max_frame`: room for a HELLO and a small message.
pub const MIN_FRAME: usize = 1024;
/// Frames buffered while the application decides whether to accept the peer.
pub const MAX_PENDING_FRAMES: usize = 16;

/// Why a session ended (the code travels in CLOSE and REJECT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Orderly close asked by the application.
    Normal,
    /// No application data for the idle timeout.
    IdleTimeout,
    /// A message that is malformed or not allowed in this state.
    ProtocolError,
    /// A record that was replayed, reordered, tampered or truncated.
    BadRecord,
    /// Major protocol versions differ.
    VersionMismatch,
    /// The peer's key or agent id does not match its card, or policy refused it.
    PeerRefused,
    /// A frame over the negotiated maximum.
    FrameTooLarge,
    /// No PONG within the keep-alive timeout.
    KeepAliveTimeout,
    /// The handshake did not complete in time.
    HandshakeTimeout,
    /// The agent is shutting down.
    Shutdown,
    /// The transport ended without a CLOSE (local only; possibly a truncation attack).
    TransportClosed,
    /// A code this version does not know.
    Other(u16),
}

impl CloseReason {
    /// The wire code.
    pub fn code(self) -> u16 {
        match self {
            Self::Normal => 0,
            Self::IdleTimeout => 1,
            Self::ProtocolError => 2,
            Self::BadRecord => 3,
            Self::VersionMismatch => 4,
            Self::PeerRefused => 5,
            Self::FrameTooLarge => 6,
            Self::KeepAliveTimeout => 7,
            Self::HandshakeTimeout => 8,
            Self::Shutdown => 9,
            Self::TransportClosed => 10,
            Self::Other(c) => c,
        }
    }

    /// From a wire code.
    pub fn from_code(code: u16) -> Self {
        match code {
            0 => Self::Normal,
            1 => Self::IdleTimeout,
            2 => Self::ProtocolError,
            3 => Self::BadRecord,
            4 => Self::VersionMismatch,
            5 => Self::PeerRefused,
            6 => Self::FrameTooLarge,
            7 => Self::KeepAliveTimeout,
            8 => Self::HandshakeTimeout,
            9 => Self::Shutdown,
            10 => Self::TransportClosed,
            c => Self::Other(c),
        }
    }
}

/// Payload compression a session may negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression.
    None,
    /// Brotli (quality 5), only for payloads of at least [`SessionConfig::compress_min`] bytes and
    /// only when it shrinks them; decompression is bounded by the frame size.
    Brotli,
    /// The M2M codec's Aether frame ([`crate::wire::Algorithm::Aether`], `#M2A|`), for JSON
    /// payloads of at least [`SessionConfig::compress_min`] bytes when it shrinks them; decoded
    /// with [`crate::wire::decompress`] under limits equal to the frame size.
    Aether,
}

impl Compression {
    /// Wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Brotli => "brotli",
            Self::Aether => "aether",
        }
    }

    /// From a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "brotli" => Some(Self::Brotli),
            "aether" => Some(Self::Aether),
            _ => None,
        }
    }
}

/// Which peer identities the session accepts by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerPolicy {
    /// Any authenticated key (tests, or when the caller checks [`Session::peer`] later).
    AcceptAny,
    /// Exactly this key (the initiator knows it from the card); anything else is refused.
    Expect(PeerKey),
    /// Emit [`Event::PeerAuthenticated`] and wait for [`Session::approve_peer`] /
    /// [`Session::refuse_peer`] (the driver asks the directory).
    Ask,
}

/// Session limits and preferences.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Largest frame accepted, in record bytes ([`MIN_FRAME`]..=[`MAX_FRAME_LIMIT`]).
    pub max_frame: usize,
    /// Time from start to an established session.
    pub handshake_timeout: Duration,
    /// Time without application data (either way) before the session closes.
    pub idle_timeout: Duration,
    /// Time without any frame from the peer before a PING is sent.
    pub keepalive_interval: Duration,
    /// Time a PONG may take.
    pub keepalive_timeout: Duration,
    /// Compressions offered or accepted, preferred first (`None` is always accepted).
    pub compression: Vec<Compression>,
    /// Payloads shorter than this are never compressed.
    pub compress_min: usize,
    /// Which peers are accepted.
    pub peer_policy: PeerPolicy,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_FRAME,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            keepalive_interval: Duration::from_secs(15),
            keepalive_timeout: Duration::from_secs(10),
            compression: vec![Compression::Aether, Compression::Brotli, Compression::None],
            compress_min: 512,
            peer_policy: PeerPolicy::Ask,
        }
    }
}

impl SessionConfig {
    /// Checks every limit, naming the bad field.
    pub fn validate(&self) -> Result<(), SessionError> {
        let bad = |field: &'static str, reason: String| {
            Err(SessionError::InvalidConfig { field, reason })
        };
        if !(MIN_FRAME..=MAX_FRAME_LIMIT).contains(&self.max_frame) {
            return bad(
                "max_frame",
                format!("{} not in {MIN_FRAME}..={MAX_FRAME_LIMIT}", self.max_frame),
            );
        }
        for (field, d) in [
            ("handshake_timeout", self.handshake_timeout),
            ("idle_timeout", self.idle_timeout),
            ("keepalive_interval", self.keepalive_interval),
            ("keepalive_timeout", self.keepalive_timeout),
        ] {
            if d.is_zero() {
                return bad(field, "must be positive".into());
            }
        }
        Ok(())
    }
}

/// What was agreed in HELLO / ACCEPT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Peer's minor version.
    pub peer_minor: u8,
    /// Largest frame either side sends (the smaller of both limits).
    pub max_frame: usize,
    /// Payload compression.
    pub compression: Compression,
}

/// Something the application should know.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// (Only with [`PeerPolicy::Ask`].) The peer proved this identity; approve or refuse it.
    PeerAuthenticated(PeerIdentity),
    /// The session is ready for data.
    Established {
        /// Who the peer is.
        peer: PeerIdentity,
        /// What was agreed.
        negotiated: Negotiated,
        /// Transcript hash both sides share.
        session_id: [u8; 32],
    },
    /// An authenticated, decrypted, decompressed message.
    Message(Envelope),
    /// The session ended.
    Closed {
        /// Why.
        reason: CloseReason,
        /// Details.
        message: String,
        /// Whether the peer ended it (CLOSE / REJECT received, or the transport ended).
        by_peer: bool,
    },
}

/// Session errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionError {
    /// The handshake failed.
    #[error("handshake: {0}")]
    Handshake(#[from] HandshakeError),
    /// A record was refused.
    #[error("record: {0}")]
    Record(#[from] RecordError),
    /// A session message did not decode.
    #[error("session message: {0}")]
    Codec(#[from] CodecError),
    /// The peer proved a key other than the one expected.
    #[error("peer key {found} does not match the expected key {expected}")]
    PeerKeyMismatch {
        /// The key from the card.
        expected: PeerKey,
        /// The key the peer proved.
        found: PeerKey,
    },
    /// The application refused the peer.
    #[error("peer refused: {reason}")]
    PeerRefused {
        /// Why.
        reason: String,
    },
    /// A message not allowed in the current state.
    #[error("unexpected {message} in state {state}")]
    UnexpectedMessage {
        /// State name.
        state: &'static str,
        /// Message name.
        message: &'static str,
    },
    /// Major versions differ.
    #[error("protocol major version {theirs} is not ours ({ours})")]
    VersionMismatch {
        /// Ours.
        ours: u8,
        /// Theirs.
        theirs: u8,
    },
    /// The peer chose something we did not offer.
    #[error("negotiation failed: {reason}")]
    Negotiation {
        /// What.
        reason: String,
    },
    /// An outgoing message does not fit the negotiated frame size (the session stays open).
    #[error("message of {len} bytes does not fit the {max}-byte frame limit")]
    MessageTooLarge {
        /// Record length it would need.
        len: usize,
        /// Negotiated maximum.
        max: usize,
    },
    /// An incoming frame exceeds our maximum.
    #[error("frame of {len} bytes exceeds the {max}-byte maximum")]
    FrameTooLarge {
        /// Length.
        len: usize,
        /// Maximum.
        max: usize,
    },
    /// A compressed payload is corrupt or inflates past the limit.
    #[error("payload decompression failed: {reason}")]
    Decompress {
        /// What.
        reason: String,
    },
    /// Data cannot be sent before the session is established.
    #[error("session not established (state {state})")]
    NotEstablished {
        /// State name.
        state: &'static str,
    },
    /// The session is closed.
    #[error("session closed")]
    Closed,
    /// The peer closed the session.
    #[error("closed by peer: {reason:?} {message}")]
    ClosedByPeer {
        /// Code sent.
        reason: CloseReason,
        /// Text sent.
        message: String,
    },
    /// A timer expired.
    #[error("{which} timeout after {after:?}")]
    Timeout {
        /// Which timer.
        which: &'static str,
        /// Its duration.
        after: Duration,
    },
    /// Too many frames arrived while the peer was awaiting approval.
    #[error("more than {max} frames while the peer awaited approval")]
    TooManyPendingFrames {
        /// The limit.
        max: usize,
    },
    /// A configuration value is out of range.
    #[error("invalid session config {field}: {reason}")]
    InvalidConfig {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The transport ended without a CLOSE.
    #[error("transport closed without CLOSE (possible truncation)")]
    TransportClosed,
}

impl SessionError {
    /// The CLOSE code this error maps to (one place for the mapping).
    pub fn close_reason(&self) -> CloseReason {
        match self {
            Self::Record(_) => CloseReason::BadRecord,
            Self::Handshake(_)
            | Self::Codec(_)
            | Self::UnexpectedMessage { .. }
            | Self::Negotiation { .. } => CloseReason::ProtocolError,
            Self::Decompress { .. } => CloseReason::ProtocolError,
            Self::PeerKeyMismatch { .. } | Self::PeerRefused { .. } => CloseReason::PeerRefused,
            Self::VersionMismatch { .. } => CloseReason::VersionMismatch,
            Self::FrameTooLarge { .. } | Self::MessageTooLarge { .. } => CloseReason::FrameTooLarge,
            Self::Timeout {
                which: "handshake", ..
            } => CloseReason::HandshakeTimeout,
            Self::Timeout { which: "idle", .. } => CloseReason::IdleTimeout,
            Self::Timeout { .. } => CloseReason::KeepAliveTimeout,
            Self::TooManyPendingFrames { .. } => CloseReason::ProtocolError,
            Self::ClosedByPeer { reason, .. } => *reason,
            Self::TransportClosed => CloseReason::TransportClosed,
            Self::Closed | Self::NotEstablished { .. } | Self::InvalidConfig { .. } => {
                CloseReason::Normal
            }
        }
    }
}

enum State {
    InitAwaitMsg2(Initiator),
    InitPending(InitiatorVerified),
    RespAwaitMsg1(Responder),
    RespAwaitMsg3(ResponderSent),
    RespPending,
    AwaitAccept,
    AwaitHello,
    Established,
    Closed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            Self::InitAwaitMsg2(_) => "await-msg2",
            Self::InitPending(_) | Self::RespPending => "await-approval",
            Self::RespAwaitMsg1(_) => "await-msg1",
            Self::RespAwaitMsg3(_) => "await-msg3",
            Self::AwaitAccept => "await-accept",
            Self::AwaitHello => "await-hello",
            Self::Established => "established",
            Self::Closed => "closed",
        }
    }
}

fn message_name(m: &SessionMessage) -> &'static str {
    match m {
        SessionMessage::Hello(_) => "HELLO",
        SessionMessage::Accept(_) => "ACCEPT",
        SessionMessage::Reject { .. } => "REJECT",
        SessionMessage::Ping(_) => "PING",
        SessionMessage::Pong(_) => "PONG",
        SessionMessage::Data(_) => "DATA",
        SessionMessage::Close { .. } => "CLOSE",
    }
}

/// One end of an encrypted session.
pub struct Session {
    config: SessionConfig,
    state: State,
    keys: Option<TrafficKeys>,
    peer: Option<PeerIdentity>,
    negotiated: Option<Negotiated>,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    parked: Vec<Vec<u8>>,
    started: Instant,
    last_rx: Instant,
    last_data: Instant,
    ping: Option<(u64, Instant)>,
    ping_counter: u64,
    /// Set once [`Event::Closed`] was emitted (the state may be `Closed` earlier, transiently).
    ended: bool,
}

impl Session {
    fn new(config: SessionConfig, state: State, now: Instant) -> Self {
        Self {
            config,
            state,
            keys: None,
            peer: None,
            negotiated: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
            parked: Vec::new(),
            started: now,
            last_rx: now,
            last_data: now,
            ping: None,
            ping_counter: 0,
            ended: false,
        }
    }

    /// The dialing side; msg1 is queued at once.
    pub fn initiator(
        identity: Identity,
        agent_id: AgentId,
        config: SessionConfig,
        rng: &mut dyn RandomSource,
        now: Instant,
    ) -> Result<Self, SessionError> {
        config.validate()?;
        let (init, msg1) = Initiator::start(identity, agent_id, rng);
        let mut s = Self::new(config, State::InitAwaitMsg2(init), now);
        s.out.push_back(msg1);
        Ok(s)
    }

    /// The accepting side.
    pub fn responder(
        identity: Identity,
        agent_id: AgentId,
        config: SessionConfig,
        rng: &mut dyn RandomSource,
        now: Instant,
    ) -> Result<Self, SessionError> {
        config.validate()?;
        let resp = Responder::new(identity, agent_id, rng);
        Ok(Self::new(config, State::RespAwaitMsg1(resp), now))
    }

    /// The peer's proven identity, once known.
    pub fn peer(&self) -> Option<&PeerIdentity> {
        self.peer.as_ref()
    }

    /// The negotiated parameters, once established.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// Whether data may be sent.
    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Established)
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The next frame to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn max_record_in(&self) -> usize {
        self.config.max_frame
    }

    /// Encrypts and queues a session message.
    fn queue(&mut self, msg: &SessionMessage) -> Result<(), SessionError> {
        self.queue_plain(&msg.to_bytes())
    }

    /// Encrypts and queues an encoded session message.
    fn queue_plain(&mut self, plain: &[u8]) -> Result<(), SessionError> {
        let Some(keys) = self.keys.as_mut() else {
            return Err(SessionError::NotEstablished { state: "handshake" });
        };
        let mut rec = Vec::with_capacity(plain.len() + RECORD_OVERHEAD);
        keys.sealer.seal(plain, &mut rec)?;
        self.out.push_back(rec);
        Ok(())
    }

    /// Ends the session because of `err`: tells the peer (if possible), emits `Closed`, returns `err`.
    fn fail(&mut self, err: SessionError) -> SessionError {
        if !self.ended {
            self.ended = true;
            let reason = err.close_reason();
            let message = err.to_string();
            if self.keys.is_some() {
                let _ = self.queue(&SessionMessage::Close {
                    code: reason.code(),
                    reason: message.clone(),
                });
            }
            self.state = State::Closed;
            self.events.push_back(Event::Closed {
                reason,
                message,
                by_peer: false,
            });
        }
        err
    }

    fn closed_by_peer(&mut self, reason: CloseReason, message: String) -> SessionError {
        self.state = State::Closed;
        self.ended = true;
        self.events.push_back(Event::Closed {
            reason,
            message: message.clone(),
            by_peer: true,
        });
        SessionError::ClosedByPeer { reason, message }
    }

    /// Closes in order: a CLOSE with `reason` is queued for the peer.
    pub fn close(&mut self, reason: CloseReason, message: &str) {
        if self.ended {
            return;
        }
        self.ended = true;
        if self.keys.is_some() {
            let _ = self.queue(&SessionMessage::Close {
                code: reason.code(),
                reason: message.to_string(),
            });
        }
        self.state = State::Closed;
        self.events.push_back(Event::Closed {
            reason,
            message: message.to_string(),
            by_peer: false,
        });
    }

    /// Tells the session its transport ended. Without a prior CLOSE this is reported as
    /// [`CloseReason::TransportClosed`] (the stream may have been truncated).
    pub fn transport_closed(&mut self) {
        if !self.ended {
            self.ended = true;
            self.state = State::Closed;
            self.events.push_back(Event::Closed {
                reason: CloseReason::TransportClosed,
                message: SessionError::TransportClosed.to_string(),
                by_peer: true,
            });
        }
    }

    /// Processes one frame from the peer.
    pub fn handle_frame(&mut self, frame: &[u8], now: Instant) -> Result<(), SessionError> {
        if self.is_closed() {
            return Err(SessionError::Closed);
        }
        match self.step(frame, now) {
            Ok(()) => {
                self.last_rx = now;
                Ok(())
            }
            Err(e @ SessionError::ClosedByPeer { .. }) => Err(e),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn step(&mut self, frame: &[u8], now: Instant) -> Result<(), SessionError> {
        let handshake_state = matches!(
            self.state,
            State::InitAwaitMsg2(_) | State::RespAwaitMsg1(_) | State::RespAwaitMsg3(_)
        );
        if handshake_state && frame.len() > MAX_HANDSHAKE_MSG {
            return Err(SessionError::FrameTooLarge {
                len: frame.len(),
                max: MAX_HANDSHAKE_MSG,
            });
        }
        if frame.len() > self.max_record_in() {
            return Err(SessionError::FrameTooLarge {
                len: frame.len(),
                max: self.max_record_in(),
            });
        }
        match std::mem::replace(&mut self.state, State::Closed) {
            State::InitAwaitMsg2(init) => {
                let verified = init.read_msg2(frame)?;
                let peer = verified.peer().clone();
                self.peer = Some(peer.clone());
                match &self.config.peer_policy {
                    PeerPolicy::Expect(k) if *k != peer.key => {
                        return Err(SessionError::PeerKeyMismatch {
                            expected: *k,
                            found: peer.key,
                        });
                    }
                    PeerPolicy::Ask => {
                        self.state = State::InitPending(verified);
                        self.events.push_back(Event::PeerAuthenticated(peer));
                    }
                    _ => self.finish_initiator(verified)?,
                }
            }
            State::RespAwaitMsg1(resp) => {
                let (sent, msg2) = resp.read_msg1(frame)?;
                self.out.push_back(msg2);
                self.state = State::RespAwaitMsg3(sent);
            }
            State::RespAwaitMsg3(sent) => {
                let (keys, peer) = sent.read_msg3(frame, self.max_record_in())?;
                self.keys = Some(keys);
                self.peer = Some(peer.clone());
                match &self.config.peer_policy {
                    PeerPolicy::Expect(k) if *k != peer.key => {
                        return Err(SessionError::PeerKeyMismatch {
                            expected: *k,
                            found: peer.key,
                        });
                    }
                    PeerPolicy::Ask => {
                        self.state = State::RespPending;
                        self.events.push_back(Event::PeerAuthenticated(peer));
                    }
                    _ => self.state = State::AwaitHello,
                }
            }
            state @ (State::InitPending(_) | State::RespPending) => {
                self.state = state;
                if self.parked.len() >= MAX_PENDING_FRAMES {
                    return Err(SessionError::TooManyPendingFrames {
                        max: MAX_PENDING_FRAMES,
                    });
                }
                self.parked.push(frame.to_vec());
            }
            state @ (State::AwaitAccept | State::AwaitHello | State::Established) => {
                self.state = state;
                let plain = match self.keys.as_mut() {
                    Some(k) => k.opener.open(frame)?,
                    None => {
                        return Err(SessionError::NotEstablished {
                            state: self.state.name(),
                        });
                    }
                };
                let msg = SessionMessage::decode(&plain)?;
                self.dispatch(msg, now)?;
            }
            State::Closed => return Err(SessionError::Closed),
        }
        Ok(())
    }

    fn finish_initiator(&mut self, verified: InitiatorVerified) -> Result<(), SessionError> {
        let (msg3, keys, _) = verified.finish(self.max_record_in());
        self.out.push_back(msg3);
        self.keys = Some(keys);
        let hello = SessionMessage::Hello(Capabilities {
            major: PROTOCOL_MAJOR,
            minor: PROTOCOL_MINOR,
            max_frame: u32::try_from(self.config.max_frame).unwrap_or(u32::MAX),
            compression: self
                .config
                .compression
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
        });
        self.queue(&hello)?;
        self.state = State::AwaitAccept;
        Ok(())
    }

    /// Accepts the peer reported by [`Event::PeerAuthenticated`].
    pub fn approve_peer(&mut self, now: Instant) -> Result<(), SessionError> {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::InitPending(v) => {
                if let Err(e) = self.finish_initiator(v) {
                    return Err(self.fail(e));
                }
            }
            State::RespPending => self.state = State::AwaitHello,
            other => {
                let name = other.name();
                self.state = other;
                return Err(SessionError::UnexpectedMessage {
                    state: name,
                    message: "approve_peer",
                });
            }
        }
        for frame in std::mem::take(&mut self.parked) {
            self.handle_frame(&frame, now)?;
        }
        Ok(())
    }

    /// Refuses the peer reported by [`Event::PeerAuthenticated`] (a CLOSE tells it why when keys exist).
    pub fn refuse_peer(&mut self, reason: &str) -> SessionError {
        self.parked.clear();
        self.fail(SessionError::PeerRefused {
            reason: reason.to_string(),
        })
    }

    fn dispatch(&mut self, msg: SessionMessage, now: Instant) -> Result<(), SessionError> {
        let unexpected = |state: &State, m: &SessionMessage| SessionError::UnexpectedMessage {
            state: state.name(),
            message: message_name(m),
        };
        match (&self.state, msg) {
            (_, SessionMessage::Close { code, reason }) => {
                Err(self.closed_by_peer(CloseReason::from_code(code), reason))
            }
            (State::AwaitHello, SessionMessage::Hello(caps)) => {
                if caps.major != PROTOCOL_MAJOR {
                    let err = SessionError::VersionMismatch {
                        ours: PROTOCOL_MAJOR,
                        theirs: caps.major,
                    };
                    let _ = self.queue(&SessionMessage::Reject {
                        code: CloseReason::VersionMismatch.code(),
                        reason: err.to_string(),
                    });
                    self.state = State::Closed;
                    self.ended = true;
                    self.events.push_back(Event::Closed {
                        reason: CloseReason::VersionMismatch,
                        message: err.to_string(),
                        by_peer: false,
                    });
                    return Err(err);
                }
                let compression = self
                    .config
                    .compression
                    .iter()
                    .copied()
                    .find(|c| caps.compression.iter().any(|n| n == c.name()))
                    .unwrap_or(Compression::None);
                let max_frame = self
                    .config
                    .max_frame
                    .min(usize::try_from(caps.max_frame).unwrap_or(usize::MAX));
                let max_frame = max_frame.max(MIN_FRAME);
                self.queue(&SessionMessage::Accept(Capabilities {
                    major: PROTOCOL_MAJOR,
                    minor: PROTOCOL_MINOR,
                    max_frame: u32::try_from(max_frame).unwrap_or(u32::MAX),
                    compression: vec![compression.name().to_string()],
                }))?;
                self.established(
                    Negotiated {
                        peer_minor: caps.minor,
                        max_frame,
                        compression,
                    },
                    now,
                );
                Ok(())
            }
            (State::AwaitAccept, SessionMessage::Accept(caps)) => {
                if caps.major != PROTOCOL_MAJOR {
                    return Err(SessionError::VersionMismatch {
                        ours: PROTOCOL_MAJOR,
                        theirs: caps.major,
                    });
                }
                let name = caps.compression.first().map_or("", String::as_str);
                let compression = Compression::from_name(name)
                    .filter(|c| *c == Compression::None || self.config.compression.contains(c))
                    .ok_or_else(|| SessionError::Negotiation {
                        reason: format!("compression {name:?} was not offered"),
                    })?;
                let theirs = usize::try_from(caps.max_frame).unwrap_or(usize::MAX);
                if theirs < MIN_FRAME {
                    return Err(SessionError::Negotiation {
                        reason: format!("max_frame {theirs} below {MIN_FRAME}"),
                    });
                }
                let max_frame = self.config.max_frame.min(theirs);
                self.established(
                    Negotiated {
                        peer_minor: caps.minor,
                        max_frame,
                        compression,
                    },
                    now,
                );
                Ok(())
            }
            (State::AwaitAccept, SessionMessage::Reject { code, reason }) => {
                Err(self.closed_by_peer(CloseReason::from_code(code), reason))
            }
            (State::Established, SessionMessage::Ping(n)) => self.queue(&SessionMessage::Pong(n)),
            (State::Established, SessionMessage::Pong(n)) => {
                if self.ping.is_some_and(|(sent, _)| sent == n) {
                    self.ping = None;
                }
                Ok(())
            }
            (State::Established, SessionMessage::Data(mut env)) => {
                let agreed = self.negotiated.as_ref().map(|n| n.compression);
                let needed = match env.encoding {
                    Encoding::None => None,
                    Encoding::Brotli => Some(Compression::Brotli),
                    Encoding::Aether => Some(Compression::Aether),
                };
                if let Some(c) = needed {
                    if agreed != Some(c) {
                        return Err(SessionError::Negotiation {
                            reason: format!("{} payload without negotiation", c.name()),
                        });
                    }
                    env.payload = decompress(c, &env.payload, self.max_record_in())?;
                    env.encoding = Encoding::None;
                }
                self.last_data = now;
                self.events.push_back(Event::Message(env));
                Ok(())
            }
            (state, m) => Err(unexpected(state, &m)),
        }
    }

    fn established(&mut self, negotiated: Negotiated, now: Instant) {
        if let Some(k) = self.keys.as_mut() {
            k.opener.set_max_record(self.config.max_frame);
        }
        self.state = State::Established;
        self.last_data = now;
        self.negotiated = Some(negotiated.clone());
        if let (Some(peer), Some(keys)) = (self.peer.clone(), self.keys.as_ref()) {
            self.events.push_back(Event::Established {
                peer,
                negotiated,
                session_id: keys.session_id,
            });
        }
    }

    /// Sends an application message. Errors leave the session open except [`SessionError::Record`].
    pub fn send(&mut self, mut env: Envelope, now: Instant) -> Result<(), SessionError> {
        let Some(neg) = self.negotiated.clone().filter(|_| self.is_established()) else {
            return Err(SessionError::NotEstablished {
                state: self.state.name(),
            });
        };
        if neg.compression != Compression::None
            && env.encoding == Encoding::None
            && env.payload.len() >= self.config.compress_min
        {
            let packed = match neg.compression {
                Compression::Brotli => Some((brotli_compress(&env.payload), Encoding::Brotli)),
                // Not every payload is JSON the codec accepts; those go uncompressed.
                Compression::Aether => crate::wire::compress(
                    &env.payload,
                    crate::wire::Algorithm::Aether,
                    &crate::wire::EncodeOptions::default(),
                )
                .ok()
                .map(|f| (f, Encoding::Aether)),
                Compression::None => None,
            };
            if let Some((packed, encoding)) = packed.filter(|(p, _)| p.len() < env.payload.len()) {
                env.payload = packed;
                env.encoding = encoding;
            }
        }
        let plain = SessionMessage::Data(env).to_bytes();
        let len = plain.len() + RECORD_OVERHEAD;
        if len > neg.max_frame {
            return Err(SessionError::MessageTooLarge {
                len,
                max: neg.max_frame,
            });
        }
        self.queue_plain(&plain)?;
        self.last_data = now;
        Ok(())
    }

    /// The next instant at which [`Session::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Closed => None,
            State::Established => {
                let idle = self.last_data + self.config.idle_timeout;
                let keep = match self.ping {
                    Some((_, deadline)) => deadline,
                    None => self.last_rx + self.config.keepalive_interval,
                };
                Some(idle.min(keep))
            }
            _ => Some(self.started + self.config.handshake_timeout),
        }
    }

    /// Runs the timers: handshake timeout, keep-alive PING / PONG timeout, idle timeout.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), SessionError> {
        match self.state {
            State::Closed => Ok(()),
            State::Established => {
                if now >= self.last_data + self.config.idle_timeout {
                    let err = SessionError::Timeout {
                        which: "idle",
                        after: self.config.idle_timeout,
                    };
                    return Err(self.fail(err));
                }
                match self.ping {
                    Some((_, deadline)) if now >= deadline => {
                        let err = SessionError::Timeout {
                            which: "keep-alive",
                            after: self.config.keepalive_timeout,
                        };
                        Err(self.fail(err))
                    }
                    None if now >= self.last_rx + self.config.keepalive_interval => {
                        self.ping_counter = self.ping_counter.wrapping_add(1);
                        self.ping = Some((self.ping_counter, now + self.config.keepalive_timeout));
                        let r = self.queue(&SessionMessage::Ping(self.ping_counter));
                        r.map_err(|e| self.fail(e))
                    }
                    _ => Ok(()),
                }
            }
            _ if now >= self.started + self.config.handshake_timeout => {
                let err = SessionError::Timeout {
                    which: "handshake",
                    after: self.config.handshake_timeout,
                };
                Err(self.fail(err))
            }
            _ => Ok(()),
        }
    }
}

fn brotli_compress(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2 + 16);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        // Writing into a Vec cannot fail.
        let _ = w.write_all(data);
    }
    out
}

fn decompress(c: Compression, data: &[u8], max: usize) -> Result<Vec<u8>, SessionError> {
    match c {
        Compression::Brotli => brotli_decompress(data, max),
        Compression::Aether => {
            if crate::wire::detect(data) != crate::wire::Format::Aether {
                return Err(SessionError::Decompress {
                    reason: "not an Aether frame".into(),
                });
            }
            let limits = crate::wire::Limits {
                max_frame: max,
                max_decompressed: max,
                ..crate::wire::Limits::default()
            };
            crate::wire::decompress(data, &limits, None).map_err(|e| SessionError::Decompress {
                reason: e.to_string(),
            })
        }
        Compression::None => Ok(data.to_vec()),
    }
}

fn brotli_decompress(data: &[u8], max: usize) -> Result<Vec<u8>, SessionError> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    brotli::Decompressor::new(data, 4096)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| SessionError::Decompress {
            reason: e.to_string(),
        })?;
    if out.len() > max {
        return Err(SessionError::Decompress {
            reason: format!("inflates past {max} bytes"),
        });
    }
    Ok(out)
}
