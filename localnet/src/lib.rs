//! `aether-localnet`: an embedded Aptos node for one machine.
//!
//! It speaks the subset of the Aptos node REST API v1 that `aptos-sdk` 0.8 uses, runs a faucet,
//! and executes the three Aether Move modules (`agent_card`, `delegated_sessions`,
//! `validation_oracle`) natively in Rust with the semantics, events, views and abort codes of
//! `contracts/` (the ABI table in `contracts/README.md` is the spec). Every service reaches it
//! through `aptos-sdk`, exactly as it would reach Aptos testnet.
//!
//! ```text
//!  aptos-sdk ──HTTP──► api::router ─┐                      ┌─► chain::Chain (pure state machine:
//!  (fullnode, faucet)  api::faucet_router ─► node::Node ───┤     decode, admit, execute, views)
//!                      /admin (clock)       (one lock)     └─► log::LedgerLog (append-only file,
//!                                                               replayed at start)
//! ```
//!
//! Modules:
//! - [`chain`]: the ledger as a pure state machine (no IO, no clock).
//! - [`log`]: the durable ledger log (length-prefixed, checksummed records; torn-tail recovery).
//! - [`node`]: the chain, a small mempool, the log and the clock behind one lock.
//! - [`api`]: the axum routers (REST v1 subset, faucet, admin).
//!
//! Start one in-process with [`Localnet::start`]; the `aether-localnet` binary is a thin wrapper.
//!
//! ```no_run
//! # async fn demo() -> Result<(), aether_localnet::StartError> {
//! let dir = std::env::temp_dir().join("aether-localnet-doc");
//! let handle = aether_localnet::Localnet::start(
//!     aether_localnet::LocalnetConfig::new(dir).with_ephemeral_ports(),
//! )
//! .await?;
//! println!("REST {} faucet {}", handle.rest_url(), handle.faucet_url());
//! handle.shutdown().await;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod api;
pub mod chain;
pub mod log;
pub mod node;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::types::AccountAddress;
use sha3::{Digest, Sha3_256};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::chain::{Genesis, OCTAS_PER_APT};
use crate::log::{FsyncPolicy, LedgerLog, LogError};
use crate::node::{Node, NodeError};

pub use crate::node::wall_us;

/// Seed of the documented deployer key: `sha3_256(DEPLOYER_SEED_TEXT)` is the ed25519 private
/// key whose account publishes the Aether modules on a default localnet (like the well-known
/// keys of other development chains, it is public: never use it on a real network).
pub const DEPLOYER_SEED_TEXT: &[u8] = b"aether-localnet deployer key v1";
/// Default REST port (`AptosConfig::local()`).
pub const DEFAULT_PORT: u16 = 8080;
/// Default faucet port (`AptosConfig::local()`).
pub const DEFAULT_FAUCET_PORT: u16 = 8081;
/// Chain id of a local network (`AptosConfig::local()` hard-codes 4).
pub const LOCAL_CHAIN_ID: u8 = 4;
/// File name of the ledger log inside the data directory.
pub const LEDGER_FILE: &str = "ledger.log";
/// File name of the deployer (admin) private key inside the data directory.
pub const ADMIN_KEY_FILE: &str = "aether-admin.key";
/// File name of the faucet private key inside the data directory.
pub const FAUCET_KEY_FILE: &str = "faucet.key";

/// The documented default deployer key.
pub fn default_deployer_key() -> [u8; 32] {
    Sha3_256::digest(DEPLOYER_SEED_TEXT).into()
}

/// The Aether address of a default localnet (the account of [`default_deployer_key`]).
pub fn default_aether_address() -> AccountAddress {
    account_from_seed(&default_deployer_key())
        .map(|a| a.address())
        .unwrap_or(AccountAddress::ZERO)
}

fn account_from_seed(seed: &[u8; 32]) -> Result<Ed25519Account, String> {
    let key = Ed25519PrivateKey::from_bytes(seed).map_err(|e| e.to_string())?;
    Ok(Ed25519Account::from_private_key(key))
}

/// Configuration of a localnet.
#[derive(Clone, Debug)]
pub struct LocalnetConfig {
    /// Where the ledger log and keys live (created if missing).
    pub data_dir: PathBuf,
    /// Address to bind (127.0.0.1 by default).
    pub host: IpAddr,
    /// REST port (8080; 0 picks a free port).
    pub port: u16,
    /// Faucet port (8081; 0 picks a free port).
    pub faucet_port: u16,
    /// Chain id (4).
    pub chain_id: u8,
    /// When the ledger log is flushed to stable storage.
    pub fsync: FsyncPolicy,
    /// The deployer's private key (default: [`default_deployer_key`]); its address is where the
    /// Aether modules live, their admin and the slashing treasury.
    pub deployer_key: [u8; 32],
}

impl LocalnetConfig {
    /// Defaults equal to `AptosConfig::local()`, storing data in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> LocalnetConfig {
        LocalnetConfig {
            data_dir: data_dir.into(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            faucet_port: DEFAULT_FAUCET_PORT,
            chain_id: LOCAL_CHAIN_ID,
            fsync: FsyncPolicy::Always,
            deployer_key: default_deployer_key(),
        }
    }

    /// Binds both servers to free ports (for tests).
    pub fn with_ephemeral_ports(mut self) -> LocalnetConfig {
        self.port = 0;
        self.faucet_port = 0;
        self
    }
}

/// Why a localnet could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory or a key file could not be created or read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A key file does not hold a 32-byte hex ed25519 private key.
    #[error("key file {path}: {reason}")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The ledger log could not be opened.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The ledger log did not replay.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A port could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StartError + '_ {
    move |source| StartError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_private(path: &Path, contents: &str) -> Result<(), StartError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io_err(path))?;
    f.write_all(contents.as_bytes()).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

/// Reads the key in `path`, or writes `default` (or a fresh random key) there first.
fn load_or_create_key(
    path: &Path,
    default: Option<[u8; 32]>,
) -> Result<Ed25519Account, StartError> {
    let bad = |reason: String| StartError::BadKey {
        path: path.to_path_buf(),
        reason,
    };
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        let text = text.trim();
        let bytes =
            hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(|e| bad(e.to_string()))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| bad(format!("{} bytes, expected 32", b.len())))?;
        return account_from_seed(&seed).map_err(bad);
    }
    let seed = default.unwrap_or_else(rand::random);
    write_private(path, &format!("0x{}\n", hex::encode(seed)))?;
    account_from_seed(&seed).map_err(bad)
}

/// Namespace of [`Localnet::start`].
#[derive(Debug)]
pub struct Localnet;

/// A running localnet.
#[derive(Debug)]
pub struct LocalnetHandle {
    node: Arc<Node>,
    rest_addr: SocketAddr,
    faucet_addr: SocketAddr,
    admin_key: [u8; 32],
    aether: AccountAddress,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    recovered: Option<log::Truncation>,
    /// The data directory of [`Localnet::start_temporary`], removed when the handle drops.
    temp_dir: Option<tempfile::TempDir>,
}

impl Localnet {
    /// Opens (or creates) the ledger in `config.data_dir`, replays it, and serves the REST API
    /// and the faucet until [`LocalnetHandle::shutdown`].
    pub async fn start(config: LocalnetConfig) -> Result<LocalnetHandle, StartError> {
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let admin = load_or_create_key(&dir.join(ADMIN_KEY_FILE), Some(config.deployer_key))?;
        let faucet = load_or_create_key(&dir.join(FAUCET_KEY_FILE), None)?;
        let (ledger, recovery) = LedgerLog::open(&dir.join(LEDGER_FILE), config.fsync)?;
        if let Some(t) = &recovery.truncated {
            tracing::warn!(
                offset = t.offset,
                dropped_bytes = t.dropped,
                reason = %t.reason,
                saved_to = ?t.saved_to,
                "ledger log had a torn tail; it was cut off"
            );
        }
        let genesis = Genesis {
            chain_id: config.chain_id,
            aether: admin.address(),
            faucet: faucet.address(),
            faucet_balance: 1_000_000_000 * OCTAS_PER_APT,
            aether_balance: 1_000_000 * OCTAS_PER_APT,
            timestamp_us: wall_us(),
        };
        let records = recovery.records;
        let node = tokio::task::spawn_blocking(move || Node::new(ledger, records, genesis, faucet))
            .await
            .map_err(|e| {
                StartError::Node(NodeError::Replay {
                    index: 0,
                    reason: e.to_string(),
                })
            })??;
        let node = Arc::new(node);
        let aether = node.with_chain(|c| c.aether());
        let bind = |port| async move {
            let addr = SocketAddr::new(config.host, port);
            TcpListener::bind(addr)
                .await
                .map_err(|source| StartError::Bind { addr, source })
        };
        let rest = bind(config.port).await?;
        let faucet_l = bind(config.faucet_port).await?;
        let rest_addr = rest.local_addr().map_err(io_err(dir))?;
        let faucet_addr = faucet_l.local_addr().map_err(io_err(dir))?;
        let (stop, stop_rx) = watch::channel(false);
        let serve = |listener: TcpListener, app: axum::Router, mut rx: watch::Receiver<bool>| {
            tokio::spawn(async move {
                let shutdown = async move {
                    while !*rx.borrow() {
                        if rx.changed().await.is_err() {
                            break;
                        }
                    }
                };
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    tracing::error!(error = %e, "server stopped");
                }
            })
        };
        let tasks = vec![
            serve(rest, api::router(node.clone()), stop_rx.clone()),
            serve(faucet_l, api::faucet_router(node.clone()), stop_rx),
        ];
        tracing::info!(
            rest = %rest_addr,
            faucet = %faucet_addr,
            aether = %aether,
            data_dir = %dir.display(),
            "aether-localnet is up"
        );
        Ok(LocalnetHandle {
            node,
            rest_addr,
            faucet_addr,
            admin_key: admin.private_key().to_bytes(),
            aether,
            stop,
            tasks,
            recovered: recovery.truncated,
            temp_dir: None,
        })
    }

    /// Starts a localnet on free ports of 127.0.0.1 with its data in a temporary directory
    /// (removed when the handle is dropped) and `fsync never`: the helper for other crates'
    /// tests.
    pub async fn start_temporary() -> Result<LocalnetHandle, StartError> {
        let dir = tempfile::tempdir().map_err(io_err(&std::env::temp_dir()))?;
        let mut config = LocalnetConfig::new(dir.path()).with_ephemeral_ports();
        config.fsync = FsyncPolicy::Never;
        let mut handle = Localnet::start(config).await?;
        handle.temp_dir = Some(dir);
        Ok(handle)
    }
}

impl LocalnetHandle {
    /// REST base URL, with the `/v1` suffix `aptos-sdk` expects.
    pub fn rest_url(&self) -> String {
        format!("http://{}/v1", self.rest_addr)
    }

    /// Faucet URL.
    pub fn faucet_url(&self) -> String {
        format!("http://{}", self.faucet_addr)
    }

    /// Base URL of the admin endpoints (`/admin/time`, `/admin/advance_time`).
    pub fn admin_url(&self) -> String {
        format!("http://{}/admin", self.rest_addr)
    }

    /// REST socket address.
    pub fn rest_addr(&self) -> SocketAddr {
        self.rest_addr
    }

    /// Where the Aether modules live.
    pub fn aether_address(&self) -> AccountAddress {
        self.aether
    }

    /// The deployer (module admin) account, for admin actions such as `add_oracle`.
    pub fn admin_account(&self) -> Option<Ed25519Account> {
        account_from_seed(&self.admin_key).ok()
    }

    /// The node, for in-process use.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// The torn tail cut off at start, if there was one.
    pub fn recovered_truncation(&self) -> Option<&log::Truncation> {
        self.recovered.as_ref()
    }

    /// An `aptos-sdk` configuration pointing at this node and its faucet.
    pub fn aptos_config(&self) -> Result<aptos_sdk::AptosConfig, aptos_sdk::AptosError> {
        aptos_sdk::AptosConfig::custom(&self.rest_url())?.with_faucet_url(&self.faucet_url())
    }

    /// Moves the ledger clock forward (same as `POST /admin/advance_time`).
    pub fn advance_time(&self, secs: u64) -> Result<u64, NodeError> {
        self.node.advance_time(secs)
    }

    /// Stops both servers, waits for them and flushes the log.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
        if let Err(e) = self.node.sync() {
            tracing::error!(error = %e, "final flush of the ledger log failed");
        }
    }
}

impl Drop for LocalnetHandle {
    /// A handle dropped without [`LocalnetHandle::shutdown`] still stops its servers.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
