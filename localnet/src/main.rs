//! `aether-localnet`: runs the embedded Aptos node (REST API v1 subset + faucet) in the
//! foreground. Defaults equal `aptos-sdk`'s `AptosConfig::local()`: REST on 127.0.0.1:8080/v1,
//! faucet on 127.0.0.1:8081, chain id 4.
use std::path::PathBuf;

use aether_localnet::log::FsyncPolicy;
use aether_localnet::{Localnet, LocalnetConfig};
use clap::Parser;

/// Embedded Aptos node executing the Aether modules natively.
#[derive(Parser, Debug)]
#[command(name = "aether-localnet", version)]
struct Args {
    /// Data directory (ledger log and keys). Default: the user's data dir + `aether/localnet`.
    #[arg(long, env = "AETHER_LOCALNET_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// REST API port.
    #[arg(long, default_value_t = aether_localnet::DEFAULT_PORT)]
    port: u16,
    /// Faucet port.
    #[arg(long, default_value_t = aether_localnet::DEFAULT_FAUCET_PORT)]
    faucet_port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// When to fdatasync the ledger log: `always` (every commit) or `never` (leave it to the OS).
    #[arg(long, default_value = "always")]
    fsync: FsyncPolicy,
}

fn default_data_dir() -> PathBuf {
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("aether")
        .join("localnet")
}

/// Ctrl-C, or SIGTERM on Unix.
async fn wait_for_stop() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = LocalnetConfig::new(args.data_dir.unwrap_or_else(default_data_dir));
    config.port = args.port;
    config.faucet_port = args.faucet_port;
    config.host = args.host;
    config.fsync = args.fsync;
    let handle = Localnet::start(config).await?;
    println!("aether-localnet");
    println!("  REST API   {}", handle.rest_url());
    println!("  faucet     {}", handle.faucet_url());
    println!(
        "  admin      {} (POST /advance_time {{\"secs\": N}})",
        handle.admin_url()
    );
    println!("  chain id   {}", aether_localnet::LOCAL_CHAIN_ID);
    println!("  aether     {}", handle.aether_address());
    println!("Ctrl-C to stop.");
    wait_for_stop().await?;
    handle.shutdown().await;
    Ok(())
}
