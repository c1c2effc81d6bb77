//! `aether-cli m2m ...`: M2M wire tools. Owned by the codec work (issue 4).

/// M2M subcommands.
#[derive(clap::Subcommand)]
pub enum M2mCommand {
    /// Scan text or JSON for prompt injection and related attacks.
    Scan(crate::scan::ScanArgs),
}

/// Runs an M2M subcommand.
pub fn run(cmd: M2mCommand) -> anyhow::Result<()> {
    match cmd {
        M2mCommand::Scan(args) => crate::scan::run(args),
    }
}
