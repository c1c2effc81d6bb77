//! On-chain commands: `init` (profile and key), `register`, `agent show|update`, and `localnet`
//! (the embedded node in the foreground). Everything goes through `aptos-sdk`, whether the node
//! is the localnet or an Aptos network.
//!
//! A profile is two files in the config directory (`$AETHER_CONFIG_DIR`, else the user's config
//! dir + `aether`): `profile.json` (network, URLs, chain id, contract address, account address)
//! and `account.key` / `messaging.key` (hex ed25519 private keys, mode 0600).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aether_protocol::abi::agent_card as ac;
use aether_protocol::{AetherEvent, Network, VmAbort, decode_vm_status};
use anyhow::{Context, bail};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::transaction::{TransactionPayload, sign_transaction};
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosConfig, AptosError};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Octas per APT.
const OCTAS_PER_APT: u64 = 100_000_000;
/// Octas the faucet sends at `init`.
const INIT_FUNDING: u64 = 10 * OCTAS_PER_APT;
/// Gas cap of the CLI's transactions.
const MAX_GAS: u64 = 200_000;

/// `aether-cli init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// `local`, `devnet`, `testnet`, `mainnet`, or a fullnode URL (`http://host:port/v1`).
    #[arg(long, default_value = "local")]
    network: String,
    /// Faucet URL (defaults to the network's faucet, if it has one).
    #[arg(long)]
    faucet_url: Option<String>,
    /// Address of the Aether modules (default for `local`: the localnet's documented address).
    #[arg(long)]
    aether_address: Option<String>,
    /// Replace an existing profile (and its key).
    #[arg(long)]
    force: bool,
    /// Do not ask the faucet for funds.
    #[arg(long)]
    no_fund: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `aether-cli register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// Display name.
    #[arg(long)]
    name: String,
    /// Description.
    #[arg(long, default_value = "")]
    description: String,
    /// Capability tags, comma separated.
    #[arg(long, value_delimiter = ',')]
    capabilities: Vec<String>,
    /// Payment endpoint URL (x402).
    #[arg(long, default_value = "")]
    endpoint: String,
    /// Price per request in APT (e.g. 0.15).
    #[arg(long, default_value = "0")]
    rate_apt: String,
    /// Manifest URL.
    #[arg(long, default_value = "")]
    manifest: String,
    /// P2P endpoint (`host:port`).
    #[arg(long, default_value = "")]
    p2p_endpoint: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `aether-cli agent`.
#[derive(Subcommand, Debug)]
pub enum AgentCommand {
    /// Show an agent card by id or object address.
    Show {
        /// Agent id (`7`) or card object address (`0x…`).
        agent: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change fields of an agent you own (fields not given keep their value).
    Update(UpdateArgs),
}

/// `aether-cli agent update`.
#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Agent id.
    id: u64,
    /// New name.
    #[arg(long)]
    name: Option<String>,
    /// New description.
    #[arg(long)]
    description: Option<String>,
    /// New capability tags, comma separated.
    #[arg(long, value_delimiter = ',')]
    capabilities: Option<Vec<String>>,
    /// New payment endpoint URL.
    #[arg(long)]
    endpoint: Option<String>,
    /// New price per request in APT.
    #[arg(long)]
    rate_apt: Option<String>,
    /// New manifest URL.
    #[arg(long)]
    manifest: Option<String>,
    /// New P2P endpoint.
    #[arg(long)]
    p2p_endpoint: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `aether-cli localnet`.
#[derive(Args, Debug)]
pub struct LocalnetArgs {
    /// Data directory (default: the user's data dir + `aether/localnet`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// REST port.
    #[arg(long, default_value_t = aether_localnet::DEFAULT_PORT)]
    port: u16,
    /// Faucet port.
    #[arg(long, default_value_t = aether_localnet::DEFAULT_FAUCET_PORT)]
    faucet_port: u16,
}

/// A saved profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    /// Network name or `custom`.
    pub network: String,
    /// Fullnode REST URL (with `/v1`).
    pub rest_url: String,
    /// Faucet URL, if any.
    pub faucet_url: Option<String>,
    /// Address of the Aether modules.
    pub aether_address: AccountAddress,
    /// The account's address.
    pub address: AccountAddress,
}

/// The config directory: `$AETHER_CONFIG_DIR`, else the user's config dir + `aether`.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(d) = std::env::var_os("AETHER_CONFIG_DIR") {
        return Ok(PathBuf::from(d));
    }
    Ok(dirs::config_dir()
        .context("no config directory on this system; set AETHER_CONFIG_DIR")?
        .join("aether"))
}

fn write_secret(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn read_key(path: &Path) -> anyhow::Result<Ed25519PrivateKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} (run `aether-cli init`)", path.display()))?;
    let text = text.trim();
    Ed25519PrivateKey::from_hex(text.strip_prefix("0x").unwrap_or(text))
        .with_context(|| format!("{} does not hold an ed25519 private key", path.display()))
}

struct Loaded {
    profile: Profile,
    account: Ed25519Account,
    messaging_key: Ed25519PrivateKey,
    aptos: Aptos,
}

fn client(profile: &Profile) -> anyhow::Result<Aptos> {
    let mut config = AptosConfig::custom(&profile.rest_url)?;
    if let Some(f) = &profile.faucet_url {
        config = config.with_faucet_url(f)?;
    }
    Ok(Aptos::new(config)?)
}

fn load_from(dir: &Path) -> anyhow::Result<Loaded> {
    let path = dir.join("profile.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no profile at {} (run `aether-cli init` first)",
            path.display()
        )
    })?;
    let profile: Profile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a profile", path.display()))?;
    let account = Ed25519Account::from_private_key(read_key(&dir.join("account.key"))?);
    let messaging_key = read_key(&dir.join("messaging.key"))?;
    let aptos = client(&profile)?;
    Ok(Loaded {
        profile,
        account,
        messaging_key,
        aptos,
    })
}

/// Parses a decimal APT amount into octas exactly (at most 8 decimals).
pub fn parse_apt(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        bail!("empty APT amount");
    }
    if frac.len() > 8
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
    {
        bail!("invalid APT amount {s:?} (a decimal number with at most 8 decimals)");
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse()? };
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<8}").parse()?
    };
    whole
        .checked_mul(OCTAS_PER_APT)
        .and_then(|w| w.checked_add(frac))
        .with_context(|| format!("APT amount {s} is too large"))
}

fn format_apt(octas: u64) -> String {
    let frac = octas % OCTAS_PER_APT;
    if frac == 0 {
        format!("{}", octas / OCTAS_PER_APT)
    } else {
        let f = format!("{frac:08}");
        format!("{}.{}", octas / OCTAS_PER_APT, f.trim_end_matches('0'))
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Runs `aether-cli init`.
pub fn init(args: InitArgs) -> anyhow::Result<()> {
    init_in(&config_dir()?, args).map(|_| ())
}

/// `init` with an explicit config directory; returns the saved profile.
fn init_in(dir: &Path, args: InitArgs) -> anyhow::Result<Profile> {
    let profile_path = dir.join("profile.json");
    if profile_path.exists() && !args.force {
        bail!(
            "a profile already exists at {} (use --force to replace it and its key)",
            profile_path.display()
        );
    }
    let (network, rest_url, faucet_url) = match args.network.parse::<Network>() {
        Ok(n) => (
            n.name().to_string(),
            n.rest_url().to_string(),
            args.faucet_url
                .clone()
                .or_else(|| n.faucet_url().map(str::to_string)),
        ),
        Err(_) if args.network.starts_with("http://") || args.network.starts_with("https://") => (
            "custom".to_string(),
            args.network.clone(),
            args.faucet_url.clone(),
        ),
        Err(e) => bail!("{e} or a URL"),
    };
    let aether_address = match (&args.aether_address, network.as_str()) {
        (Some(a), _) => AccountAddress::from_hex(a).context("invalid --aether-address")?,
        (None, "local" | "custom") => aether_localnet::default_aether_address(),
        (None, other) => {
            bail!("the Aether modules have no known address on {other}: pass --aether-address")
        }
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = Ed25519PrivateKey::generate();
    let account = Ed25519Account::from_private_key(key.clone());
    let messaging = Ed25519PrivateKey::generate();
    write_secret(
        &dir.join("account.key"),
        &format!("0x{}\n", hex::encode(key.to_bytes())),
    )?;
    write_secret(
        &dir.join("messaging.key"),
        &format!("0x{}\n", hex::encode(messaging.to_bytes())),
    )?;
    let profile = Profile {
        network,
        rest_url,
        faucet_url,
        aether_address,
        address: account.address(),
    };
    std::fs::write(&profile_path, serde_json::to_string_pretty(&profile)?)?;
    let mut funded = None;
    if !args.no_fund && profile.faucet_url.is_some() {
        let aptos = client(&profile)?;
        let rt = runtime()?;
        let spinner = spinner(
            &format!("funding {} from the faucet", account.address()),
            args.json,
        );
        let r = rt.block_on(aptos.fund_account(account.address(), INIT_FUNDING));
        spinner.finish_and_clear();
        match r {
            Ok(_) => funded = Some(INIT_FUNDING),
            Err(e) => eprintln!("warning: the faucet did not fund the account: {e}"),
        }
    }
    if args.json {
        println!(
            "{}",
            json!({
                "profile": profile_path,
                "network": profile.network,
                "rest_url": profile.rest_url,
                "address": profile.address.to_string(),
                "aether_address": profile.aether_address.to_string(),
                "funded_octas": funded,
            })
        );
    } else {
        println!("Profile   {}", profile_path.display());
        println!("Network   {} ({})", profile.network, profile.rest_url);
        println!("Account   {}", profile.address);
        println!("Aether    {}", profile.aether_address);
        match funded {
            Some(o) => println!("Funded    {} APT from the faucet", format_apt(o)),
            None => println!("Funded    no (fund the account before sending transactions)"),
        }
    }
    Ok(profile)
}

fn spinner(msg: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// Explains a failed transaction's `vm_status`: the decoded Aether abort when there is one.
pub fn explain_failure(vm_status: &str, aether: AccountAddress) -> String {
    if let Some(code) = decode_vm_status(vm_status, aether) {
        return format!(
            "transaction failed: {}::{} ({:#x}): {}",
            code.module(),
            code.name(),
            code.code(),
            code.meaning()
        );
    }
    match VmAbort::parse(vm_status) {
        Some(a) => format!(
            "transaction failed: {}::{}: {} ({:#x}){}",
            a.address.to_short_string(),
            a.module,
            a.name.as_deref().unwrap_or("abort"),
            a.code,
            a.description.map(|d| format!(": {d}")).unwrap_or_default()
        ),
        None => format!("transaction failed: {vm_status}"),
    }
}

/// Signs, submits and waits (with a spinner); returns the committed transaction JSON.
async fn submit(
    l: &Loaded,
    payload: TransactionPayload,
    what: &str,
    quiet: bool,
) -> anyhow::Result<Value> {
    let mut raw = l
        .aptos
        .build_transaction(&l.account, payload)
        .await
        .with_context(|| format!("cannot reach {}", l.profile.rest_url))?;
    raw.max_gas_amount = MAX_GAS;
    let signed = sign_transaction(&raw, &l.account)?;
    let pending = l.aptos.submit_transaction(&signed).await?;
    let pb = spinner(&format!("{what}: waiting for {}", pending.data.hash), quiet);
    let r = l
        .aptos
        .fullnode()
        .wait_for_transaction(&pending.data.hash, None)
        .await;
    pb.finish_and_clear();
    match r {
        Ok(t) => Ok(t.data),
        Err(AptosError::ExecutionFailed { vm_status }) => {
            bail!("{}", explain_failure(&vm_status, l.profile.aether_address))
        }
        Err(e) => Err(e.into()),
    }
}

fn aether_events(txn: &Value, aether: AccountAddress) -> Vec<AetherEvent> {
    txn["events"]
        .as_array()
        .map(|evs| {
            evs.iter()
                .filter_map(|e| {
                    AetherEvent::parse(aether, e["type"].as_str()?, &e["data"])
                        .ok()
                        .flatten()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `aether-cli register`.
pub fn register(args: RegisterArgs) -> anyhow::Result<()> {
    register_in(&config_dir()?, args).map(|_| ())
}

/// `register` with an explicit config directory; returns the `AgentRegistered` event.
fn register_in(dir: &Path, args: RegisterArgs) -> anyhow::Result<ac::AgentRegistered> {
    let l = load_from(dir)?;
    let call = ac::Call::Register {
        name: args.name,
        description: args.description,
        capabilities: args
            .capabilities
            .into_iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        endpoint: args.endpoint,
        rate_octas: parse_apt(&args.rate_apt)?,
        manifest_url: args.manifest,
        messaging_pubkey: l.messaging_key.public_key().to_bytes().to_vec(),
        p2p_endpoint: args.p2p_endpoint,
    };
    let aether = l.profile.aether_address;
    let txn = runtime()?.block_on(submit(&l, call.payload(aether), "register", args.json))?;
    let registered = aether_events(&txn, aether)
        .into_iter()
        .find_map(|e| match e {
            AetherEvent::AgentCard(ac::Event::AgentRegistered(r)) => Some(r),
            _ => None,
        });
    let r = registered.context("the transaction succeeded but emitted no AgentRegistered event")?;
    let hash = txn["hash"].as_str().unwrap_or_default();
    if args.json {
        println!(
            "{}",
            json!({"agent_id": r.agent_id, "card": r.card.to_string(), "owner": r.owner.to_string(), "tx_hash": hash})
        );
    } else {
        println!("Registered agent {}", r.agent_id);
        println!("  card object  {}", r.card);
        println!("  owner        {}", r.owner);
        println!("  tx           {hash}");
    }
    Ok(r)
}

async fn fetch_card(l: &Loaded, agent: &str) -> anyhow::Result<ac::CardInfo> {
    let aether = l.profile.aether_address;
    let view = if agent.starts_with("0x") {
        ac::View::GetCardByAddress {
            card: AccountAddress::from_hex(agent).context("invalid card address")?,
        }
    } else {
        ac::View::GetCard {
            agent_id: agent
                .parse()
                .with_context(|| format!("{agent:?} is neither an agent id nor an address"))?,
        }
    };
    let out = match l
        .aptos
        .view(&view.function_id(aether), vec![], view.json_args())
        .await
    {
        Ok(o) => o,
        Err(AptosError::Api { message, .. }) => bail!("{}", explain_view(&message, aether)),
        Err(e) => return Err(e.into()),
    };
    let first = out.into_iter().next().context("empty view answer")?;
    Ok(serde_json::from_value(first)?)
}

fn explain_view(message: &str, aether: AccountAddress) -> String {
    match decode_vm_status(message, aether) {
        Some(c) => format!(
            "{}::{} ({:#x}): {}",
            c.module(),
            c.name(),
            c.code(),
            c.meaning()
        ),
        None => message.to_string(),
    }
}

fn print_card(c: &ac::CardInfo) {
    println!("Agent {}  {}", c.id, c.name);
    println!("  card object   {}", c.card);
    println!("  owner         {}", c.owner);
    println!(
        "  status        {}{}",
        if c.active { "active" } else { "inactive" },
        if c.verified { ", verified" } else { "" }
    );
    if !c.description.is_empty() {
        println!("  description   {}", c.description);
    }
    println!("  capabilities  {}", c.capabilities.join(", "));
    println!("  rate          {} APT / request", format_apt(c.rate_octas));
    println!("  endpoint      {}", c.endpoint);
    println!("  manifest      {}", c.manifest_url);
    if !c.p2p_endpoint.is_empty() {
        println!("  p2p           {}", c.p2p_endpoint);
    }
    println!("  messaging key 0x{}", hex::encode(&c.messaging_pubkey));
}

/// Runs `aether-cli agent …`.
pub fn agent(cmd: AgentCommand) -> anyhow::Result<()> {
    agent_in(&config_dir()?, cmd).map(|_| ())
}

/// `agent …` with an explicit config directory; returns the card as shown or updated.
fn agent_in(dir: &Path, cmd: AgentCommand) -> anyhow::Result<ac::CardInfo> {
    let l = load_from(dir)?;
    let rt = runtime()?;
    match cmd {
        AgentCommand::Show { agent, json } => {
            let card = rt.block_on(fetch_card(&l, &agent))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&card)?);
            } else {
                print_card(&card);
            }
            Ok(card)
        }
        AgentCommand::Update(u) => {
            let card = rt.block_on(fetch_card(&l, &u.id.to_string()))?;
            let call = ac::Call::Update {
                agent_id: u.id,
                name: u.name.unwrap_or(card.name),
                description: u.description.unwrap_or(card.description),
                capabilities: u.capabilities.unwrap_or(card.capabilities),
                endpoint: u.endpoint.unwrap_or(card.endpoint),
                rate_octas: match u.rate_apt {
                    Some(r) => parse_apt(&r)?,
                    None => card.rate_octas,
                },
                manifest_url: u.manifest.unwrap_or(card.manifest_url),
                messaging_pubkey: card.messaging_pubkey,
                p2p_endpoint: u.p2p_endpoint.unwrap_or(card.p2p_endpoint),
            };
            let aether = l.profile.aether_address;
            let txn = rt.block_on(submit(&l, call.payload(aether), "update", u.json))?;
            let hash = txn["hash"].as_str().unwrap_or_default().to_string();
            let card = rt.block_on(fetch_card(&l, &u.id.to_string()))?;
            if u.json {
                println!("{}", json!({"tx_hash": hash, "card": card}));
            } else {
                println!("Updated agent {} (tx {hash})", card.id);
                print_card(&card);
            }
            Ok(card)
        }
    }
}

/// Runs `aether-cli localnet`: the embedded node in the foreground until Ctrl-C.
pub fn localnet(args: LocalnetArgs) -> anyhow::Result<()> {
    let data_dir = match args.data_dir {
        Some(d) => d,
        None => dirs::data_local_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("aether")
            .join("localnet"),
    };
    let mut config = aether_localnet::LocalnetConfig::new(data_dir);
    config.port = args.port;
    config.faucet_port = args.faucet_port;
    runtime()?.block_on(async move {
        let h = aether_localnet::Localnet::start(config).await?;
        println!("aether-localnet");
        println!("  REST API   {}", h.rest_url());
        println!("  faucet     {}", h.faucet_url());
        println!("  chain id   {}", aether_localnet::LOCAL_CHAIN_ID);
        println!("  aether     {}", h.aether_address());
        println!("Ctrl-C to stop.");
        tokio::signal::ctrl_c().await?;
        h.shutdown().await;
        anyhow::Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aether_protocol::AbortCode;

    #[test]
    fn apt_amounts_parse_exactly() {
        assert_eq!(parse_apt("0.15").unwrap(), 15_000_000);
        assert_eq!(parse_apt("1").unwrap(), OCTAS_PER_APT);
        assert_eq!(parse_apt("2.5").unwrap(), 250_000_000);
        assert_eq!(parse_apt(".00000001").unwrap(), 1);
        assert!(parse_apt("0.000000001").is_err());
        assert!(parse_apt("-1").is_err());
        assert!(parse_apt("1e3").is_err());
        assert!(parse_apt("").is_err());
        assert!(parse_apt("999999999999999").is_err());
        assert_eq!(format_apt(15_000_000), "0.15");
        assert_eq!(format_apt(2 * OCTAS_PER_APT), "2");
    }

    #[test]
    fn init_register_show_update_against_an_embedded_localnet() {
        let rt = runtime().unwrap();
        let data = tempfile::tempdir().unwrap();
        let h = rt
            .block_on(aether_localnet::Localnet::start(
                aether_localnet::LocalnetConfig::new(data.path()).with_ephemeral_ports(),
            ))
            .unwrap();
        let cfg = tempfile::tempdir().unwrap();
        let init_args = |force| InitArgs {
            network: h.rest_url(),
            faucet_url: Some(h.faucet_url()),
            aether_address: None,
            force,
            no_fund: false,
            json: true,
        };
        let profile = init_in(cfg.path(), init_args(false)).unwrap();
        assert_eq!(profile.aether_address, h.aether_address());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cfg.path().join("account.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second init without --force refuses to overwrite the key.
        assert!(init_in(cfg.path(), init_args(false)).is_err());
        let reg = register_in(
            cfg.path(),
            RegisterArgs {
                name: "translator".into(),
                description: "Translates".into(),
                capabilities: vec!["translate".into(), " summarize".into()],
                endpoint: "https://t.example/x402".into(),
                rate_apt: "0.15".into(),
                manifest: "https://t.example/m.json".into(),
                p2p_endpoint: "127.0.0.1:9000".into(),
                json: true,
            },
        )
        .unwrap();
        assert_eq!((reg.agent_id, reg.owner), (1, profile.address));
        let by_addr = agent_in(
            cfg.path(),
            AgentCommand::Show {
                agent: reg.card.to_string(),
                json: true,
            },
        )
        .unwrap();
        assert_eq!(by_addr.capabilities, vec!["translate", "summarize"]);
        assert_eq!(by_addr.rate_octas, 15_000_000);
        let updated = agent_in(
            cfg.path(),
            AgentCommand::Update(UpdateArgs {
                id: 1,
                name: None,
                description: None,
                capabilities: None,
                endpoint: None,
                rate_apt: Some("0.2".into()),
                manifest: None,
                p2p_endpoint: None,
                json: true,
            }),
        )
        .unwrap();
        assert_eq!(
            (updated.rate_octas, updated.name.as_str()),
            (20_000_000, "translator")
        );
        // A failed transaction reports the decoded abort.
        let err = register_in(
            cfg.path(),
            RegisterArgs {
                name: String::new(),
                description: String::new(),
                capabilities: vec![],
                endpoint: String::new(),
                rate_apt: "0".into(),
                manifest: String::new(),
                p2p_endpoint: String::new(),
                json: true,
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("agent_card::EINVALID_NAME (0x10005)"),
            "{err}"
        );
        let err = agent_in(
            cfg.path(),
            AgentCommand::Show {
                agent: "42".into(),
                json: true,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("EAGENT_NOT_FOUND"), "{err}");
        rt.block_on(h.shutdown());
    }

    #[test]
    fn failures_name_the_abort() {
        let aether = AccountAddress::from_hex("0xcafe").unwrap();
        let code = AbortCode::AgentCard(ac::Abort::NotOwner);
        let msg = explain_failure(&code.vm_status(aether), aether);
        assert_eq!(
            msg,
            "transaction failed: agent_card::ENOT_OWNER (0x50002): The signer does not own the agent."
        );
        let msg = explain_failure(
            "Move abort in 0x1::fungible_asset: EINSUFFICIENT_BALANCE(0x10004): Insufficient balance",
            aether,
        );
        assert!(
            msg.contains("0x1::fungible_asset: EINSUFFICIENT_BALANCE (0x10004)"),
            "{msg}"
        );
    }
}
