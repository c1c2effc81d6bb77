//! The [`Agent`] facade: listener, connection pool, requests, broadcast, incoming stream.
//!
//! ```no_run
//! # async fn demo() -> Result<(), aether_agent::p2p::AgentError> {
//! use aether_agent::p2p::{Agent, AgentId, Identity, OsRandom, StaticDirectory};
//! let directory = StaticDirectory::new();
//! let agent = Agent::builder()
//!     .agent_id("42")
//!     .identity(Identity::generate(&mut OsRandom))
//!     .port(4000)
//!     .capabilities(["translate"])
//!     .address_override("1.2.3.4:4000")
//!     .directory(directory.clone())
//!     .build()?;
//! agent.connect().await?;
//! let mut incoming = agent.incoming()?;
//! let peer = AgentId::new("7")?;
//! agent.send(&peer, "task.offer", serde_json::json!({"text": "bonjour"})).await?;
//! while let Some(msg) = incoming.next().await {
//!     println!("{} from {}: {}", msg.msg_type, msg.from, msg.payload);
//! }
//! # Ok(()) }
//! ```
//!
//! Each connection is one tokio task running a [`Session`] over a [`FrameIo`]; the pool keeps one
//! live connection per peer agent id (dialed or accepted) and reuses it. The handshake's peer
//! check goes through the [`Directory`]: the proven key must equal the `messaging_key` of the
//! card of the agent id the peer claims (when dialing a card, that card).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use super::directory::{
    Directory, DirectoryError, DiscoverFilter, PeerCard, Presence, StaticDirectory,
};
use super::handshake::PeerIdentity;
use super::identity::{AgentId, Identity, IdentityError, PeerKey};
use super::inspect::{self, InboundInspector, ScanOutcome, ScanPolicy, Verdict};
use super::message::{Encoding, Envelope, Kind, MessageId};
use super::random::{OsRandom, RandomSource, array};
use super::session::{CloseReason, Event, PeerPolicy, Session, SessionConfig, SessionError};
use super::transport::{Endpoint, FrameIo, StreamFrames, TransportError, WsFrames, ws_config};

/// Default bound on requests awaiting a response.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// Default bound on simultaneous connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default capacity of the incoming-message queue.
pub const DEFAULT_INBOUND_CAPACITY: usize = 1024;

/// Errors of the agent facade.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A builder field is missing or invalid.
    #[error("invalid agent config {field}: {reason}")]
    Config {
        /// Field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// Bad id or key.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The directory failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The session refused an operation.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The directory has no card for this agent.
    #[error("agent {agent} is not in the directory")]
    UnknownAgent {
        /// The agent.
        agent: AgentId,
    },
    /// The card says the agent is inactive.
    #[error("agent {agent} is inactive")]
    Inactive {
        /// The agent.
        agent: AgentId,
    },
    /// The card has no P2P endpoint.
    #[error("agent {agent} publishes no p2p endpoint")]
    NoEndpoint {
        /// The agent.
        agent: AgentId,
    },
    /// The connection ended (before or while the operation ran).
    #[error("connection closed: {reason:?} {message}")]
    ConnectionClosed {
        /// Why.
        reason: CloseReason,
        /// Details.
        message: String,
    },
    /// Connecting plus handshake took too long.
    #[error("handshake with {endpoint} timed out after {after:?}")]
    HandshakeTimeout {
        /// Endpoint dialed.
        endpoint: String,
        /// The limit.
        after: Duration,
    },
    /// No response within the request timeout.
    #[error("request {id} timed out after {after:?}")]
    RequestTimeout {
        /// Request id.
        id: MessageId,
        /// The limit.
        after: Duration,
    },
    /// Too many requests await responses.
    #[error("{max} requests already in flight")]
    TooManyInFlight {
        /// The limit.
        max: usize,
    },
    /// The response was blocked by the inbound scanner.
    #[error("response blocked by the scanner (score {score})")]
    Blocked {
        /// Verdict score.
        score: f32,
    },
    /// [`Agent::incoming`] was already called.
    #[error("the incoming stream was already taken")]
    IncomingTaken,
    /// The agent was disconnected.
    #[error("agent is shut down")]
    Shutdown,
}

/// Which transport the listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransportKind {
    /// Length-delimited frames over TCP.
    #[default]
    Tcp,
    /// WebSocket binary messages (endpoint `ws://host:port`).
    WebSocket,
}

/// A delivered message.
#[derive(Debug, Clone)]
pub struct IncomingMessage {
    /// Message id.
    pub id: MessageId,
    /// Sender's agent id (as proven in the handshake and checked against its card unless
    /// [`IncomingMessage::card_verified`] is false).
    pub from: AgentId,
    /// Sender's messaging key.
    pub from_key: PeerKey,
    /// Whether the sender's key matched a directory card (false only for unlisted peers
    /// accepted with [`AgentBuilder::accept_unlisted`]).
    pub card_verified: bool,
    /// Application type.
    pub msg_type: String,
    /// JSON payload.
    pub payload: serde_json::Value,
    /// Oneway, request, response or broadcast.
    pub kind: Kind,
    /// For responses: the request id.
    pub correlation_id: Option<MessageId>,
    /// Sender's timestamp (ms since the Unix epoch).
    pub timestamp_ms: u64,
    /// Always true: this transport only carries AES-256-GCM records.
    pub encrypted: bool,
    /// The scanner's verdict.
    pub scan: ScanOutcome,
    reply: Option<ConnectionHandle>,
}

/// Counters (a snapshot).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections dialed.
    pub dialed: u64,
    /// Connections accepted.
    pub accepted: u64,
    /// Connections currently established.
    pub active: u64,
    /// Connections currently open, including those still in the handshake.
    pub open: u64,
    /// Handshakes completed.
    pub handshakes: u64,
    /// Sends that reused a pooled connection.
    pub reused: u64,
    /// Peers refused (key/card mismatch, unknown, inactive).
    pub refused: u64,
    /// Messages sent.
    pub sent: u64,
    /// Messages received (before scanning).
    pub received: u64,
    /// Messages blocked by the scanner.
    pub blocked: u64,
    /// Messages delivered with a blocking verdict (policy `Flag`).
    pub flagged: u64,
    /// Messages dropped because the payload was not JSON.
    pub malformed: u64,
    /// Sessions closed because of a bad frame (replay, reorder, tamper, malformed).
    pub bad_frames: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Frame bytes sent.
    pub bytes_sent: u64,
    /// Frame bytes received.
    pub bytes_received: u64,
}

#[derive(Default)]
struct Counters {
    dialed: AtomicU64,
    accepted: AtomicU64,
    active: AtomicU64,
    open: AtomicU64,
    handshakes: AtomicU64,
    reused: AtomicU64,
    refused: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    blocked: AtomicU64,
    flagged: AtomicU64,
    malformed: AtomicU64,
    bad_frames: AtomicU64,
    timeouts: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            dialed: g(&self.dialed),
            accepted: g(&self.accepted),
            active: g(&self.active),
            open: g(&self.open),
            handshakes: g(&self.handshakes),
            reused: g(&self.reused),
            refused: g(&self.refused),
            sent: g(&self.sent),
            received: g(&self.received),
            blocked: g(&self.blocked),
            flagged: g(&self.flagged),
            malformed: g(&self.malformed),
            bad_frames: g(&self.bad_frames),
            timeouts: g(&self.timeouts),
            bytes_sent: g(&self.bytes_sent),
            bytes_received: g(&self.bytes_received),
        }
    }
}

enum Command {
    Send {
        env: Envelope,
        done: oneshot::Sender<Result<(), SessionError>>,
    },
    Close {
        reason: CloseReason,
        message: String,
    },
}

/// A live connection in the pool.
#[derive(Clone)]
struct ConnectionHandle {
    id: u64,
    tx: mpsc::Sender<Command>,
    peer: PeerIdentity,
}

impl std::fmt::Debug for ConnectionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connection#{}({})", self.id, self.peer.agent_id)
    }
}

impl ConnectionHandle {
    async fn send(&self, env: Envelope) -> Result<(), AgentError> {
        let (done, rx) = oneshot::channel();
        let closed = || AgentError::ConnectionClosed {
            reason: CloseReason::TransportClosed,
            message: "connection ended".into(),
        };
        self.tx
            .send(Command::Send { env, done })
            .await
            .map_err(|_| closed())?;
        rx.await.map_err(|_| closed())?.map_err(AgentError::from)
    }
}

type Pending = HashMap<MessageId, oneshot::Sender<Result<IncomingMessage, AgentError>>>;

struct Shared {
    identity: Identity,
    agent_id: AgentId,
    capabilities: Vec<String>,
    port: u16,
    bind_host: String,
    address_override: Option<String>,
    directory: Arc<dyn Directory>,
    presence: Option<Arc<dyn Presence>>,
    inspector: Option<Arc<dyn InboundInspector>>,
    policy: ScanPolicy,
    session: SessionConfig,
    transport: TransportKind,
    max_in_flight: usize,
    max_connections: usize,
    accept_unlisted: bool,
    pool: Mutex<HashMap<AgentId, ConnectionHandle>>,
    /// One dial at a time per peer, so concurrent sends share one new connection.
    dialing: Mutex<HashMap<AgentId, Arc<tokio::sync::Mutex<()>>>>,
    pending: Mutex<Pending>,
    inbound_tx: mpsc::Sender<IncomingMessage>,
    inbound_rx: Mutex<Option<mpsc::Receiver<IncomingMessage>>>,
    counters: Counters,
    rng: Mutex<Box<dyn RandomSource>>,
    local_addr: Mutex<Option<SocketAddr>>,
    shutdown: watch::Sender<bool>,
    conn_seq: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_std() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

/// Builds an [`Agent`].
pub struct AgentBuilder {
    identity: Option<Identity>,
    agent_id: Option<String>,
    port: u16,
    bind_host: String,
    capabilities: Vec<String>,
    address_override: Option<String>,
    directory: Option<Arc<dyn Directory>>,
    presence: Option<Arc<dyn Presence>>,
    inspector: Option<Arc<dyn InboundInspector>>,
    policy: ScanPolicy,
    session: SessionConfig,
    transport: TransportKind,
    max_in_flight: usize,
    max_connections: usize,
    inbound_capacity: usize,
    accept_unlisted: bool,
    rng: Option<Box<dyn RandomSource>>,
}

impl Default for AgentBuilder {
    fn default() -> Self {
        Self {
            identity: None,
            agent_id: None,
            port: 0,
            bind_host: "0.0.0.0".into(),
            capabilities: Vec::new(),
            address_override: None,
            directory: None,
            presence: None,
            inspector: None,
            policy: ScanPolicy::Block,
            session: SessionConfig::default(),
            transport: TransportKind::Tcp,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            inbound_capacity: DEFAULT_INBOUND_CAPACITY,
            accept_unlisted: false,
            rng: None,
        }
    }
}

impl AgentBuilder {
    /// The long-term messaging key (default: a fresh one from the OS).
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }
    /// This agent's id as published in its card (required).
    pub fn agent_id(mut self, id: impl Into<String>) -> Self {
        self.agent_id = Some(id.into());
        self
    }
    /// Listening port (0 = any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Listening address (default `0.0.0.0`; tests use `127.0.0.1`).
    pub fn bind_host(mut self, host: impl Into<String>) -> Self {
        self.bind_host = host.into();
        self
    }
    /// Capability tags (announced through presence).
    pub fn capabilities<I, S>(mut self, caps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.capabilities = caps.into_iter().map(Into::into).collect();
        self
    }
    /// The `host:port` others should dial (behind NAT); default: the bound address.
    pub fn address_override(mut self, addr: impl Into<String>) -> Self {
        self.address_override = Some(addr.into());
        self
    }
    /// Where cards come from (default: an empty [`StaticDirectory`]).
    pub fn directory(mut self, directory: impl Directory) -> Self {
        self.directory = Some(Arc::new(directory));
        self
    }
    /// A shared directory.
    pub fn directory_arc(mut self, directory: Arc<dyn Directory>) -> Self {
        self.directory = Some(directory);
        self
    }
    /// Optional presence service told on connect/disconnect.
    pub fn presence(mut self, presence: impl Presence) -> Self {
        self.presence = Some(Arc::new(presence));
        self
    }
    /// Inbound inspector (e.g. [`super::ScannerInspector`]) and its policy.
    pub fn inspector(mut self, inspector: impl InboundInspector, policy: ScanPolicy) -> Self {
        self.inspector = Some(Arc::new(inspector));
        self.policy = policy;
        self
    }
    /// Session limits (frame size, timeouts, compression). The peer policy is set by the agent.
    pub fn session_config(mut self, config: SessionConfig) -> Self {
        self.session = config;
        self
    }
    /// Listener transport.
    pub fn transport(mut self, kind: TransportKind) -> Self {
        self.transport = kind;
        self
    }
    /// Bound on requests awaiting a response.
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max;
        self
    }
    /// Bound on simultaneous connections: inbound connections are dropped at accept while
    /// [`Stats::open`] (including handshakes in progress) is at the limit.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }
    /// Capacity of the incoming queue (back-pressure beyond it).
    pub fn inbound_capacity(mut self, cap: usize) -> Self {
        self.inbound_capacity = cap;
        self
    }
    /// Accept authenticated peers whose agent id has no card (their messages carry
    /// `card_verified: false`). A peer whose card exists with another key is always refused.
    pub fn accept_unlisted(mut self, yes: bool) -> Self {
        self.accept_unlisted = yes;
        self
    }
    /// Randomness for ephemerals and message ids (default: the OS).
    pub fn random(mut self, rng: impl RandomSource + 'static) -> Self {
        self.rng = Some(Box::new(rng));
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<Agent, AgentError> {
        let cfg = |field: &'static str, reason: &str| AgentError::Config {
            field,
            reason: reason.to_string(),
        };
        let agent_id = AgentId::new(self.agent_id.ok_or_else(|| cfg("agent_id", "required"))?)?;
        self.session.validate()?;
        if self.max_in_flight == 0 {
            return Err(cfg("max_in_flight", "must be positive"));
        }
        if self.max_connections == 0 {
            return Err(cfg("max_connections", "must be positive"));
        }
        if self.inbound_capacity == 0 {
            return Err(cfg("inbound_capacity", "must be positive"));
        }
        let mut rng: Box<dyn RandomSource> = self.rng.unwrap_or_else(|| Box::new(OsRandom));
        let identity = self
            .identity
            .unwrap_or_else(|| Identity::generate(rng.as_mut()));
        let (inbound_tx, inbound_rx) = mpsc::channel(self.inbound_capacity);
        let mut session = self.session;
        session.peer_policy = PeerPolicy::Ask;
        Ok(Agent {
            shared: Arc::new(Shared {
                identity,
                agent_id,
                capabilities: self.capabilities,
                port: self.port,
                bind_host: self.bind_host,
                address_override: self.address_override,
                directory: self
                    .directory
                    .unwrap_or_else(|| Arc::new(StaticDirectory::new())),
                presence: self.presence,
                inspector: self.inspector,
                policy: self.policy,
                session,
                transport: self.transport,
                max_in_flight: self.max_in_flight,
                max_connections: self.max_connections,
                accept_unlisted: self.accept_unlisted,
                pool: Mutex::new(HashMap::new()),
                dialing: Mutex::new(HashMap::new()),
                pending: Mutex::new(HashMap::new()),
                inbound_tx,
                inbound_rx: Mutex::new(Some(inbound_rx)),
                counters: Counters::default(),
                rng: Mutex::new(rng),
                local_addr: Mutex::new(None),
                shutdown: watch::channel(false).0,
                conn_seq: AtomicU64::new(0),
            }),
        })
    }
}

/// The stream of delivered messages.
pub struct Incoming {
    rx: mpsc::Receiver<IncomingMessage>,
}

impl Incoming {
    /// The next message; `None` once the agent is gone.
    pub async fn next(&mut self) -> Option<IncomingMessage> {
        self.rx.recv().await
    }
}

impl futures::Stream for Incoming {
    type Item = IncomingMessage;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<IncomingMessage>> {
        self.rx.poll_recv(cx)
    }
}

/// An agent on the P2P network. Cheap to clone.
#[derive(Clone)]
pub struct Agent {
    shared: Arc<Shared>,
}

impl Agent {
    /// Starts building an agent.
    pub fn builder() -> AgentBuilder {
        AgentBuilder::default()
    }

    /// This agent's id.
    pub fn agent_id(&self) -> &AgentId {
        &self.shared.agent_id
    }

    /// This agent's messaging public key (publish it in the card).
    pub fn public_key(&self) -> PeerKey {
        self.shared.identity.public_key()
    }

    /// The bound address, after [`Agent::connect`].
    pub fn local_addr(&self) -> Option<SocketAddr> {
        *lock(&self.shared.local_addr)
    }

    /// What others should dial: the override, or the bound address (`ws://` for WebSocket).
    pub fn endpoint(&self) -> Option<String> {
        let base = self
            .shared
            .address_override
            .clone()
            .or_else(|| self.local_addr().map(|a| a.to_string()))?;
        Some(match self.shared.transport {
            TransportKind::Tcp => base,
            TransportKind::WebSocket if base.starts_with("ws://") => base,
            TransportKind::WebSocket => format!("ws://{base}"),
        })
    }

    /// This agent's card as a directory would publish it (handy for static directories).
    pub fn card(&self) -> PeerCard {
        PeerCard {
            agent_id: self.shared.agent_id.clone(),
            messaging_key: self.public_key(),
            endpoint: self.endpoint().unwrap_or_default(),
            capabilities: self.shared.capabilities.clone(),
            active: true,
        }
    }

    /// Starts the listener and announces presence (when configured). Returns the bound address.
    pub async fn connect(&self) -> Result<SocketAddr, AgentError> {
        let s = &self.shared;
        let listener = TcpListener::bind((s.bind_host.as_str(), s.port))
            .await
            .map_err(TransportError::from)?;
        let addr = listener.local_addr().map_err(TransportError::from)?;
        *lock(&s.local_addr) = Some(addr);
        tokio::spawn(accept_loop(listener, Arc::clone(s)));
        if let (Some(p), Some(ep)) = (&s.presence, self.endpoint()) {
            p.announce(&s.agent_id, &ep).await?;
        }
        Ok(addr)
    }

    /// Cards matching `filter`.
    pub async fn discover(&self, filter: &DiscoverFilter) -> Result<Vec<PeerCard>, AgentError> {
        Ok(self.shared.directory.list(filter).await?)
    }

    /// Active agents with `capability` (excluding this one).
    pub async fn find(&self, capability: &str) -> Result<Vec<PeerCard>, AgentError> {
        let mut cards = self
            .discover(&DiscoverFilter::capability(capability))
            .await?;
        cards.retain(|c| c.agent_id != self.shared.agent_id);
        Ok(cards)
    }

    /// The incoming-message stream (can be taken once).
    pub fn incoming(&self) -> Result<Incoming, AgentError> {
        lock(&self.shared.inbound_rx)
            .take()
            .map(|rx| Incoming { rx })
            .ok_or(AgentError::IncomingTaken)
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    fn envelope(
        &self,
        kind: Kind,
        msg_type: &str,
        payload: &serde_json::Value,
        corr: Option<MessageId>,
    ) -> Envelope {
        let id = MessageId(array(lock(&self.shared.rng).as_mut()));
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Envelope {
            id,
            kind,
            correlation_id: corr,
            timestamp_ms,
            msg_type: msg_type.to_string(),
            encoding: Encoding::None,
            // Serializing a `Value` cannot fail.
            payload: serde_json::to_vec(payload).unwrap_or_default(),
        }
    }

    fn check_running(&self) -> Result<(), AgentError> {
        if *self.shared.shutdown.borrow() {
            Err(AgentError::Shutdown)
        } else {
            Ok(())
        }
    }

    /// A live pooled connection to `to`, dialing its card's endpoint if needed.
    async fn connection_to(&self, to: &AgentId) -> Result<ConnectionHandle, AgentError> {
        self.check_running()?;
        let pooled = || {
            lock(&self.shared.pool)
                .get(to)
                .filter(|h| !h.tx.is_closed())
                .cloned()
        };
        if let Some(h) = pooled() {
            inc(&self.shared.counters.reused);
            return Ok(h);
        }
        let gate = Arc::clone(lock(&self.shared.dialing).entry(to.clone()).or_default());
        let _dialing = gate.lock().await;
        // Someone else may have connected while we waited.
        if let Some(h) = pooled() {
            inc(&self.shared.counters.reused);
            return Ok(h);
        }
        let card = self
            .shared
            .directory
            .card(to)
            .await?
            .ok_or_else(|| AgentError::UnknownAgent { agent: to.clone() })?;
        if !card.active {
            return Err(AgentError::Inactive { agent: to.clone() });
        }
        if card.endpoint.is_empty() {
            return Err(AgentError::NoEndpoint { agent: to.clone() });
        }
        let endpoint = card.endpoint.clone();
        dial(&self.shared, &endpoint, Some(card)).await
    }

    async fn send_on(
        &self,
        conn: &ConnectionHandle,
        env: Envelope,
    ) -> Result<MessageId, AgentError> {
        let id = env.id;
        conn.send(env).await?;
        inc(&self.shared.counters.sent);
        Ok(id)
    }

    /// Sends a one-way message to an agent from the directory.
    pub async fn send(
        &self,
        to: &AgentId,
        msg_type: &str,
        payload: serde_json::Value,
    ) -> Result<MessageId, AgentError> {
        let conn = self.connection_to(to).await?;
        let env = self.envelope(Kind::Oneway, msg_type, &payload, None);
        self.send_on(&conn, env).await
    }

    /// Sends to an address; the peer's claimed agent id is checked against the directory
    /// (or accepted unlisted when [`AgentBuilder::accept_unlisted`] is set).
    pub async fn send_direct(
        &self,
        addr: &str,
        msg_type: &str,
        payload: serde_json::Value,
    ) -> Result<MessageId, AgentError> {
        self.check_running()?;
        let conn = dial(&self.shared, addr, None).await?;
        let env = self.envelope(Kind::Oneway, msg_type, &payload, None);
        self.send_on(&conn, env).await
    }

    /// Sends to every card matching `filter` (except this agent); one result per peer.
    pub async fn broadcast(
        &self,
        msg_type: &str,
        payload: serde_json::Value,
        filter: &DiscoverFilter,
    ) -> Result<Vec<(AgentId, Result<MessageId, AgentError>)>, AgentError> {
        let cards = self.discover(filter).await?;
        let sends = cards
            .into_iter()
            .filter(|c| c.agent_id != self.shared.agent_id)
            .map(|card| {
                let payload = &payload;
                async move {
                    let r = async {
                        let conn = self.connection_to(&card.agent_id).await?;
                        let env = self.envelope(Kind::Broadcast, msg_type, payload, None);
                        self.send_on(&conn, env).await
                    }
                    .await;
                    (card.agent_id, r)
                }
            });
        Ok(futures::future::join_all(sends).await)
    }

    /// Sends a request and waits for the response (bounded by `timeout` and the in-flight limit).
    /// A response that arrives after the timeout is delivered on [`Agent::incoming`] instead.
    pub async fn request(
        &self,
        to: &AgentId,
        msg_type: &str,
        payload: serde_json::Value,
        timeout: Duration,
    ) -> Result<IncomingMessage, AgentError> {
        let conn = self.connection_to(to).await?;
        let env = self.envelope(Kind::Request, msg_type, &payload, None);
        let id = env.id;
        let rx = {
            let mut pending = lock(&self.shared.pending);
            if pending.len() >= self.shared.max_in_flight {
                return Err(AgentError::TooManyInFlight {
                    max: self.shared.max_in_flight,
                });
            }
            let (tx, rx) = oneshot::channel();
            pending.insert(id, tx);
            rx
        };
        let result = async {
            self.send_on(&conn, env).await?;
            match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(r)) => r,
                Ok(Err(_)) => Err(AgentError::Shutdown),
                Err(_) => {
                    inc(&self.shared.counters.timeouts);
                    Err(AgentError::RequestTimeout { id, after: timeout })
                }
            }
        }
        .await;
        lock(&self.shared.pending).remove(&id);
        result
    }

    /// Answers a request on the connection it came from (or a new one to the sender).
    pub async fn respond(
        &self,
        original: &IncomingMessage,
        payload: serde_json::Value,
    ) -> Result<MessageId, AgentError> {
        let env = self.envelope(
            Kind::Response,
            &original.msg_type,
            &payload,
            Some(original.id),
        );
        let conn = match original.reply.as_ref().filter(|h| !h.tx.is_closed()) {
            Some(h) => h.clone(),
            None => self.connection_to(&original.from).await?,
        };
        self.send_on(&conn, env).await
    }

    /// Closes every connection with CLOSE(shutdown), stops the listener, withdraws presence.
    pub async fn disconnect(&self) -> Result<(), AgentError> {
        let s = &self.shared;
        s.shutdown.send_replace(true);
        let conns: Vec<ConnectionHandle> = lock(&s.pool).drain().map(|(_, h)| h).collect();
        for c in conns {
            let _ =
                c.tx.send(Command::Close {
                    reason: CloseReason::Shutdown,
                    message: "agent disconnecting".into(),
                })
                .await;
        }
        for (_, tx) in lock(&s.pending).drain() {
            let _ = tx.send(Err(AgentError::Shutdown));
        }
        if let Some(p) = &s.presence {
            p.withdraw(&s.agent_id).await?;
        }
        Ok(())
    }

    /// Closes the pooled connection to `peer` (CLOSE normal); the next send redials.
    pub async fn close_connection(&self, peer: &AgentId) {
        let h = lock(&self.shared.pool).remove(peer);
        if let Some(h) = h {
            let _ =
                h.tx.send(Command::Close {
                    reason: CloseReason::Normal,
                    message: "closed by application".into(),
                })
                .await;
        }
    }
}

impl Shared {
    /// Decides whether a proven identity is acceptable; `Err(reason)` refuses it.
    async fn check_peer(
        &self,
        peer: &PeerIdentity,
        dialed: Option<&PeerCard>,
    ) -> Result<bool, String> {
        let card = match dialed {
            Some(card) => {
                if card.agent_id != peer.agent_id {
                    return Err(format!(
                        "peer claims agent {} but {} was dialed",
                        peer.agent_id, card.agent_id
                    ));
                }
                Some(card.clone())
            }
            None => self
                .directory
                .card(&peer.agent_id)
                .await
                .map_err(|e| format!("directory: {e}"))?,
        };
        match card {
            Some(c) if c.messaging_key != peer.key => Err(format!(
                "key {} of agent {} does not match its card ({})",
                peer.key, peer.agent_id, c.messaging_key
            )),
            Some(c) if !c.active => Err(format!("agent {} is inactive", c.agent_id)),
            Some(_) => Ok(true),
            None if self.accept_unlisted => Ok(false),
            None => Err(format!("agent {} has no card", peer.agent_id)),
        }
    }

    fn pool_insert(&self, h: ConnectionHandle) {
        lock(&self.pool).insert(h.peer.agent_id.clone(), h);
    }

    fn pool_remove(&self, id: u64, peer: &AgentId) {
        let mut pool = lock(&self.pool);
        if pool.get(peer).is_some_and(|h| h.id == id) {
            pool.remove(peer);
        }
    }

    async fn deliver(&self, env: Envelope, conn: &ConnectionHandle, card_verified: bool) {
        inc(&self.counters.received);
        let complete_pending = |corr: Option<MessageId>,
                                r: Result<IncomingMessage, AgentError>|
         -> Option<Result<IncomingMessage, AgentError>> {
            if env.kind != Kind::Response {
                return Some(r);
            }
            match corr.and_then(|c| lock(&self.pending).remove(&c)) {
                Some(tx) => {
                    let _ = tx.send(r);
                    None
                }
                None => Some(r),
            }
        };
        let scan = match inspect::apply(
            self.policy,
            self.inspector.as_deref(),
            &env.msg_type,
            &env.payload,
        ) {
            Ok(s) => s,
            Err(verdict) => {
                inc(&self.counters.blocked);
                tracing::warn!(from = %conn.peer.agent_id, msg_type = %env.msg_type, score = verdict.score, "inbound message blocked by scanner");
                let _ = complete_pending(
                    env.correlation_id,
                    Err(AgentError::Blocked {
                        score: verdict.score,
                    }),
                );
                return;
            }
        };
        if matches!(
            &scan,
            ScanOutcome::Scanned(Verdict {
                should_block: true,
                ..
            })
        ) {
            inc(&self.counters.flagged);
        }
        let payload = match serde_json::from_slice(&env.payload) {
            Ok(v) => v,
            Err(e) => {
                inc(&self.counters.malformed);
                tracing::warn!(from = %conn.peer.agent_id, error = %e, "dropping non-JSON payload");
                return;
            }
        };
        let msg = IncomingMessage {
            id: env.id,
            from: conn.peer.agent_id.clone(),
            from_key: conn.peer.key,
            card_verified,
            msg_type: env.msg_type.clone(),
            payload,
            kind: env.kind,
            correlation_id: env.correlation_id,
            timestamp_ms: env.timestamp_ms,
            encrypted: true,
            scan,
            reply: Some(conn.clone()),
        };
        if let Some(Ok(msg)) = complete_pending(env.correlation_id, Ok(msg)) {
            let _ = self.inbound_tx.send(msg).await;
        }
    }
}

/// Dials `endpoint` and returns the established connection (pooled under the peer's id).
async fn dial(
    shared: &Arc<Shared>,
    endpoint: &str,
    card: Option<PeerCard>,
) -> Result<ConnectionHandle, AgentError> {
    let limit = shared.session.handshake_timeout;
    let timed_out = || AgentError::HandshakeTimeout {
        endpoint: endpoint.to_string(),
        after: limit,
    };
    let session = {
        let mut rng = lock(&shared.rng);
        Session::initiator(
            shared.identity.clone(),
            shared.agent_id.clone(),
            shared.session.clone(),
            rng.as_mut(),
            now_std(),
        )?
    };
    let (ready_tx, ready_rx) = oneshot::channel();
    inc(&shared.counters.dialed);
    let fut = async {
        match Endpoint::parse(endpoint)? {
            Endpoint::Tcp(addr) => {
                let stream = TcpStream::connect(addr.as_str())
                    .await
                    .map_err(TransportError::from)?;
                let _ = stream.set_nodelay(true);
                let io = StreamFrames::new(stream, shared.session.max_frame);
                spawn_driver(io, session, Arc::clone(shared), card, Some(ready_tx));
            }
            Endpoint::WebSocket(url) => {
                let (ws, _) = tokio_tungstenite::connect_async_with_config(
                    url.as_str(),
                    Some(ws_config(shared.session.max_frame)),
                    true,
                )
                .await
                .map_err(|e| TransportError::WebSocket(e.to_string()))?;
                spawn_driver(
                    WsFrames::new(ws),
                    session,
                    Arc::clone(shared),
                    card,
                    Some(ready_tx),
                );
            }
        }
        ready_rx.await.map_err(|_| AgentError::ConnectionClosed {
            reason: CloseReason::TransportClosed,
            message: "driver ended".into(),
        })?
    };
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| timed_out())?
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        if shared.counters.open.load(Ordering::Relaxed)
            >= u64::try_from(shared.max_connections).unwrap_or(u64::MAX)
        {
            tracing::warn!("connection limit reached; dropping inbound connection");
            continue;
        }
        inc(&shared.counters.accepted);
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let session = {
                let mut rng = lock(&shared.rng);
                Session::responder(
                    shared.identity.clone(),
                    shared.agent_id.clone(),
                    shared.session.clone(),
                    rng.as_mut(),
                    now_std(),
                )
            };
            let Ok(session) = session else { return };
            match shared.transport {
                TransportKind::Tcp => {
                    let io = StreamFrames::new(stream, shared.session.max_frame);
                    spawn_driver(io, session, shared, None, None);
                }
                TransportKind::WebSocket => {
                    let limit = shared.session.handshake_timeout;
                    let cfg = Some(ws_config(shared.session.max_frame));
                    match tokio::time::timeout(
                        limit,
                        tokio_tungstenite::accept_async_with_config(stream, cfg),
                    )
                    .await
                    {
                        Ok(Ok(ws)) => spawn_driver(WsFrames::new(ws), session, shared, None, None),
                        _ => tracing::debug!("websocket upgrade failed or timed out"),
                    }
                }
            }
        });
    }
}

type Ready = oneshot::Sender<Result<ConnectionHandle, AgentError>>;

fn spawn_driver<T: FrameIo>(
    io: T,
    session: Session,
    shared: Arc<Shared>,
    card: Option<PeerCard>,
    ready: Option<Ready>,
) {
    shared.counters.open.fetch_add(1, Ordering::Relaxed);
    let id = shared.conn_seq.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(drive(io, session, shared, card, ready, tx, rx, id));
}

#[allow(
    clippy::too_many_arguments,
    reason = "private task entry point; the arguments are its whole state"
)]
async fn drive<T: FrameIo>(
    mut io: T,
    mut session: Session,
    shared: Arc<Shared>,
    card: Option<PeerCard>,
    mut ready: Option<Ready>,
    tx: mpsc::Sender<Command>,
    mut rx: mpsc::Receiver<Command>,
    id: u64,
) {
    let mut handle: Option<ConnectionHandle> = None;
    let mut card_verified = false;
    let mut closed: Option<(CloseReason, String)> = None;
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        session.close(CloseReason::Shutdown, "agent shutting down");
    }
    loop {
        while let Some(ev) = session.poll_event() {
            match ev {
                Event::PeerAuthenticated(peer) => {
                    match shared.check_peer(&peer, card.as_ref()).await {
                        Ok(verified) => {
                            card_verified = verified;
                            let _ = session.approve_peer(now_std());
                        }
                        Err(reason) => {
                            inc(&shared.counters.refused);
                            tracing::warn!(peer = %peer.agent_id, %reason, "peer refused");
                            let _ = session.refuse_peer(&reason);
                        }
                    }
                }
                Event::Established { peer, .. } => {
                    let h = ConnectionHandle {
                        id,
                        tx: tx.clone(),
                        peer,
                    };
                    // Only card-verified peers are pooled: an unlisted peer (accept_unlisted) must
                    // not be reused later for sends to whoever registers that agent id. Replies to
                    // it still work through `IncomingMessage::reply`.
                    if card_verified {
                        shared.pool_insert(h.clone());
                    }
                    inc(&shared.counters.handshakes);
                    inc(&shared.counters.active);
                    if let Some(r) = ready.take() {
                        let _ = r.send(Ok(h.clone()));
                    }
                    handle = Some(h);
                }
                Event::Message(env) => {
                    if let Some(h) = &handle {
                        shared.deliver(env, h, card_verified).await;
                    }
                }
                Event::Closed {
                    reason,
                    message,
                    by_peer,
                } => {
                    tracing::debug!(conn = id, ?reason, %message, by_peer, "session closed");
                    if reason == CloseReason::BadRecord
                        || (reason == CloseReason::ProtocolError && !by_peer)
                    {
                        inc(&shared.counters.bad_frames);
                    }
                    closed = Some((reason, message));
                }
            }
        }
        let mut io_failed = false;
        while let Some(frame) = session.poll_transmit() {
            shared
                .counters
                .bytes_sent
                .fetch_add(frame.len() as u64, Ordering::Relaxed);
            if io.send(frame).await.is_err() {
                io_failed = true;
                break;
            }
        }
        if io_failed && !session.is_closed() {
            session.transport_closed();
            continue;
        }
        if session.is_closed() {
            break;
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            frame = io.recv() => match frame {
                Some(Ok(f)) => {
                    shared.counters.bytes_received.fetch_add(f.len() as u64, Ordering::Relaxed);
                    if let Err(e) = session.handle_frame(&f, now_std()) {
                        tracing::debug!(conn = id, error = %e, "frame refused");
                    }
                }
                Some(Err(e)) => {
                    tracing::debug!(conn = id, error = %e, "transport error");
                    session.transport_closed();
                }
                None => session.transport_closed(),
            },
            cmd = rx.recv() => match cmd {
                Some(Command::Send { env, done }) => {
                    let _ = done.send(session.send(env, now_std()));
                }
                Some(Command::Close { reason, message }) => session.close(reason, &message),
                None => session.close(CloseReason::Normal, "no handles left"),
            },
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending::<()>().await,
                }
            } => {
                let _ = session.handle_timeout(now_std());
            }
            _ = shutdown.changed() => session.close(CloseReason::Shutdown, "agent shutting down"),
        }
    }
    io.shutdown().await;
    shared.counters.open.fetch_sub(1, Ordering::Relaxed);
    if let Some(h) = &handle {
        shared.pool_remove(id, &h.peer.agent_id);
        shared.counters.active.fetch_sub(1, Ordering::Relaxed);
    }
    let (reason, message) =
        closed.unwrap_or((CloseReason::TransportClosed, "connection ended".into()));
    if let Some(r) = ready.take() {
        let _ = r.send(Err(AgentError::ConnectionClosed { reason, message }));
    }
    // Fail commands that raced with the close.
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        if let Command::Send { done, .. } = cmd {
            let _ = done.send(Err(SessionError::Closed));
        }
    }
}
