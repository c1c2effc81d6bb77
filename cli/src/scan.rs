//! `aether-cli m2m scan`: the security scanner. Owned by the scanner work (issue 4).

/// Arguments of `m2m scan`.
#[derive(clap::Args)]
pub struct ScanArgs {
    /// Text to scan.
    pub text: Option<String>,
}

/// Runs the scanner (not built yet).
pub fn run(_args: ScanArgs) -> anyhow::Result<()> {
    anyhow::bail!("the security scanner is not built yet (issue 4)")
}
