//! `aether-cli`: the command line for Aether.
//!
//! Each command group lives in its own module; `main` only parses arguments and dispatches.
//! - [`m2m`]: M2M wire tools (`compress`, `decompress`, `inspect`) and [`scan`] (security scanner).
use clap::{Parser, Subcommand};

mod chain;
mod m2m;
mod p2p;
mod scan;

/// Aether command line.
#[derive(Parser)]
#[command(
    name = "aether-cli",
    version,
    about = "Aether: agents that find, talk to, hire and pay each other"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the networks this build knows (name, CAIP-2 id, chain id).
    Networks,
    /// M2M wire format tools and the security scanner.
    #[command(subcommand)]
    M2m(m2m::M2mCommand),
    /// Send an encrypted P2P message to an agent (address and key given explicitly for now).
    Send(p2p::SendArgs),
    /// Listen for encrypted P2P messages and print them as JSON lines.
    Listen(p2p::ListenArgs),
    /// Create a profile (key, network, contract address) and fund it from the faucet.
    Init(chain::InitArgs),
    /// Register an agent on chain (agent_card::register).
    Register(chain::RegisterArgs),
    /// Show or update an agent card.
    #[command(subcommand)]
    Agent(chain::AgentCommand),
    /// Run the embedded Aptos node (aether-localnet) in the foreground.
    Localnet(chain::LocalnetArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Networks => {
            for n in aether_protocol::network::Network::ALL {
                let caip2 = n.caip2().map_or("aptos:?".to_string(), |id| id.to_string());
                let chain = n
                    .chain_id()
                    .map_or("read from the node".to_string(), |c| c.to_string());
                println!(
                    "{:<8} {caip2:<8} chain id {chain:<18} {}",
                    n.name(),
                    n.rest_url()
                );
            }
            Ok(())
        }
        Command::M2m(cmd) => m2m::run(cmd),
        Command::Send(a) => p2p::send(a),
        Command::Listen(a) => p2p::listen(a),
        Command::Init(a) => chain::init(a),
        Command::Register(a) => chain::register(a),
        Command::Agent(a) => chain::agent(a),
        Command::Localnet(a) => chain::localnet(a),
    }
}
