//! `aether-cli send` and `aether-cli listen`: encrypted P2P messages between agents.
//!
//! No chain profile is needed (none exists yet): the peer's address and messaging key are given
//! explicitly (`--to host:port --peer-key HEX`), and this agent's key comes from `--key-file`
//! (64 hex characters of ed25519 secret seed; created with mode 0600 if missing). Once agent
//! cards are readable from the chain, the peer's address and key can come from its card instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aether_agent::p2p::{
    Agent, AgentId, Identity, Kind, OsRandom, PeerCard, PeerKey, ScanOutcome, ScanPolicy,
    ScannerInspector, StaticDirectory, TransportKind,
};
use anyhow::{Context, bail};

/// `aether-cli send`.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  aether-cli send 7 task.offer '{\"text\":\"hi\"}' --to 127.0.0.1:4000 --peer-key <64 hex>\n\n\
The peer's address and key are explicit because no chain profile is available yet; the peer's\n\
proven key must equal --peer-key or the connection is refused."
)]
pub struct SendArgs {
    /// The peer's agent id (what it claims in the handshake, e.g. its card id).
    pub agent: String,
    /// Message type, e.g. `task.offer`.
    #[arg(value_name = "TYPE")]
    pub msg_type: String,
    /// JSON payload.
    pub json: String,
    /// Peer address: `host:port` (TCP) or `ws://host:port` (WebSocket).
    #[arg(long)]
    pub to: String,
    /// Peer's ed25519 messaging public key (64 hex characters).
    #[arg(long, env = "AETHER_PEER_KEY")]
    pub peer_key: String,
    /// This agent's key file (hex secret seed); a throwaway key is used when absent.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// This agent's id as announced to the peer.
    #[arg(long = "as", default_value = "cli")]
    pub as_id: String,
    /// Send a request and print the response.
    #[arg(long)]
    pub request: bool,
    /// Response timeout in seconds (with --request).
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

/// `aether-cli listen`.
#[derive(clap::Args)]
#[command(
    after_help = "Prints one JSON line per message: {from, from_key, card_verified, type, kind, payload, encrypted, scan}.\n\
Peers without a --peer entry are accepted as unlisted (authenticated, but not bound to a card)\n\
unless --strict is set; a peer whose --peer key differs is always refused."
)]
pub struct ListenArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 4000)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind: String,
    /// This agent's key file (hex secret seed); created if missing.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// This agent's id.
    #[arg(long, default_value = "listener")]
    pub id: String,
    /// Known peers, `ID=HEXKEY` (repeatable).
    #[arg(long = "peer", value_name = "ID=HEXKEY")]
    pub peers: Vec<String>,
    /// Refuse peers that are not listed with --peer.
    #[arg(long)]
    pub strict: bool,
    /// Listen for WebSocket instead of TCP.
    #[arg(long)]
    pub ws: bool,
    /// Scanner policy for inbound payloads: block, flag or allow.
    #[arg(long, default_value = "block")]
    pub scan: String,
    /// Answer requests with `{"ok": true, "echo": payload}`.
    #[arg(long)]
    pub echo: bool,
    /// Exit after this many messages (0 = run until interrupted).
    #[arg(long, default_value_t = 0)]
    pub count: u64,
}

fn load_identity(path: Option<&Path>, create: bool) -> anyhow::Result<Identity> {
    let Some(path) = path else {
        return Ok(Identity::generate(&mut OsRandom));
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Identity::from_hex(&text)
            .with_context(|| format!("reading key file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let id = Identity::generate(&mut OsRandom);
            write_secret(path, &id.secret_hex())?;
            eprintln!("created key file {}", path.display());
            Ok(id)
        }
        Err(e) => Err(e).with_context(|| format!("reading key file {}", path.display())),
    }
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating key file {}", path.display()))?;
    writeln!(f, "{text}")?;
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs `send`.
pub fn send(args: SendArgs) -> anyhow::Result<()> {
    let payload: serde_json::Value = serde_json::from_str(&args.json).context("JSON payload")?;
    let peer = AgentId::new(args.agent.clone())?;
    let key = PeerKey::from_hex(&args.peer_key).context("--peer-key")?;
    let identity = load_identity(args.key_file.as_deref(), false)?;
    let dir = StaticDirectory::new();
    dir.insert(PeerCard {
        agent_id: peer.clone(),
        messaging_key: key,
        endpoint: args.to.clone(),
        capabilities: vec![],
        active: true,
    });
    runtime()?.block_on(async {
        let agent = Agent::builder()
            .agent_id(args.as_id.clone())
            .identity(identity)
            .directory(dir)
            .build()?;
        if args.request {
            let r = agent
                .request(
                    &peer,
                    &args.msg_type,
                    payload,
                    Duration::from_secs(args.timeout),
                )
                .await?;
            println!("{}", serde_json::to_string(&r.payload)?);
        } else {
            let id = agent.send(&peer, &args.msg_type, payload).await?;
            eprintln!("sent {id} to {peer} at {} (encrypted)", args.to);
        }
        agent.disconnect().await?;
        Ok(())
    })
}

fn parse_policy(s: &str) -> anyhow::Result<ScanPolicy> {
    Ok(match s {
        "block" => ScanPolicy::Block,
        "flag" => ScanPolicy::Flag,
        "allow" => ScanPolicy::Allow,
        other => bail!("--scan must be block, flag or allow, not {other:?}"),
    })
}

/// Runs `listen`.
pub fn listen(args: ListenArgs) -> anyhow::Result<()> {
    let identity = load_identity(args.key_file.as_deref(), true)?;
    let policy = parse_policy(&args.scan)?;
    let dir = StaticDirectory::new();
    for p in &args.peers {
        let (id, key) = p
            .split_once('=')
            .with_context(|| format!("--peer {p:?} is not ID=HEXKEY"))?;
        let key = PeerKey::from_hex(key).with_context(|| format!("--peer {id}"))?;
        dir.insert(PeerCard {
            agent_id: AgentId::new(id)?,
            messaging_key: key,
            endpoint: String::new(),
            capabilities: vec![],
            active: true,
        });
    }
    runtime()?.block_on(async {
        let agent = Agent::builder()
            .agent_id(args.id.clone())
            .identity(identity)
            .bind_host(args.bind.clone())
            .port(args.port)
            .directory(dir)
            .accept_unlisted(!args.strict)
            .transport(if args.ws { TransportKind::WebSocket } else { TransportKind::Tcp })
            .inspector(ScannerInspector::with_defaults()?, policy)
            .build()?;
        let addr = agent.connect().await?;
        eprintln!("listening on {addr} as agent {} key {}", agent.agent_id(), agent.public_key());
        let mut incoming = agent.incoming()?;
        let mut seen = 0u64;
        loop {
            let msg = tokio::select! {
                m = incoming.next() => match m { Some(m) => m, None => break },
                _ = tokio::signal::ctrl_c() => break,
            };
            let scan = match &msg.scan {
                ScanOutcome::NotScanned => serde_json::Value::Null,
                ScanOutcome::Scanned(v) => serde_json::json!({
                    "safe": v.safe, "score": v.score, "should_block": v.should_block, "findings": v.findings,
                }),
            };
            let line = serde_json::json!({
                "id": msg.id.to_string(),
                "from": msg.from.as_str(),
                "from_key": msg.from_key.to_hex(),
                "card_verified": msg.card_verified,
                "type": msg.msg_type,
                "kind": format!("{:?}", msg.kind).to_lowercase(),
                "payload": msg.payload,
                "encrypted": msg.encrypted,
                "scan": scan,
                "timestamp_ms": msg.timestamp_ms,
            });
            println!("{line}");
            if args.echo && msg.kind == Kind::Request {
                let payload = serde_json::json!({"ok": true, "echo": msg.payload});
                if let Err(e) = agent.respond(&msg, payload).await {
                    eprintln!("reply failed: {e}");
                }
            }
            seen += 1;
            if args.count > 0 && seen >= args.count {
                break;
            }
        }
        let s = agent.stats();
        eprintln!("received {} (blocked {}, refused peers {})", s.received, s.blocked, s.refused);
        agent.disconnect().await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.key");
        assert!(
            load_identity(Some(&path), false).is_err(),
            "send does not create key files"
        );
        let created = load_identity(Some(&path), true).unwrap();
        let again = load_identity(Some(&path), false).unwrap();
        assert_eq!(created.public_key(), again.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn scan_policy_names() {
        assert_eq!(parse_policy("flag").unwrap(), ScanPolicy::Flag);
        assert!(parse_policy("maybe").is_err());
    }
}
