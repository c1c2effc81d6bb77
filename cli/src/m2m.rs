//! `aether-cli m2m ...`: M2M wire tools. Owned by the codec work (issue 4).
//!
//! - `compress`: JSON (or SSE, or any text) → frame, `--algorithm` picks the format;
//! - `decompress`: any frame (format detected by prefix) → the original bytes;
//! - `inspect`: the routing header of a frame, without decompressing the payload;
//! - `scan`: the security scanner (see [`crate::scan`]).
//!
//! Input comes from the positional argument, `--file PATH` (`-` for stdin), or stdin when
//! neither is given. Binary output goes to stdout or `--output`. HMAC keys come from
//! `--hmac-key-file` or the `AETHER_M2M_HMAC_KEY` environment variable (hex), never argv.
//! ChaCha20-Poly1305 keys (M2M v1 AEAD mode, `-a m2m` or `-a m2m-text` only) likewise come
//! from `--aead-key-file` (exactly 32 raw bytes) or `AETHER_M2M_AEAD_KEY` (64 hex digits).

use std::io::{Read, Write};
use std::path::PathBuf;

use aether_agent::wire::{self, AeadKey, Algorithm, EncodeOptions, FrameOptions, Limits};
use anyhow::Context;
use base64::Engine as _;

/// M2M subcommands.
#[derive(clap::Subcommand)]
pub enum M2mCommand {
    /// Scan text or JSON for prompt injection and related attacks.
    Scan(crate::scan::ScanArgs),
    /// Encode JSON (or an SSE stream with `--algorithm sse`) into a wire frame.
    Compress(CompressArgs),
    /// Decode any wire frame (format detected by prefix) back to the original bytes.
    Decompress(DecompressArgs),
    /// Print a frame's routing header without decompressing its payload.
    Inspect(InspectArgs),
}

/// Where input comes from.
#[derive(clap::Args)]
pub struct Input {
    /// Input given on the command line.
    pub data: Option<String>,
    /// Read input from this file (`-` for stdin).
    #[arg(long, short = 'f', conflicts_with = "data")]
    pub file: Option<PathBuf>,
}

impl Input {
    fn read(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(d) = &self.data {
            return Ok(d.as_bytes().to_vec());
        }
        let mut buf = Vec::new();
        match &self.file {
            Some(p) if p.as_os_str() != "-" => {
                buf = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            }
            _ => {
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .context("reading stdin")?;
            }
        }
        Ok(buf)
    }
}

/// HMAC or AEAD key source.
#[derive(clap::Args)]
pub struct KeyArgs {
    /// File holding the HMAC-SHA256 key (raw bytes, at least 16).
    #[arg(long)]
    pub hmac_key_file: Option<PathBuf>,
    /// HMAC key as hex (from the environment only).
    #[arg(long, env = "AETHER_M2M_HMAC_KEY", hide_env_values = true, hide = true)]
    pub hmac_key_hex: Option<String>,
    /// File holding the ChaCha20-Poly1305 key for M2M v1 AEAD frames (exactly 32 raw bytes).
    #[arg(long)]
    pub aead_key_file: Option<PathBuf>,
    /// AEAD key as hex (from the environment only).
    #[arg(long, env = "AETHER_M2M_AEAD_KEY", hide_env_values = true, hide = true)]
    pub aead_key_hex: Option<String>,
}

/// The key given, if any.
enum Key {
    Hmac(Vec<u8>),
    Aead(AeadKey),
}

impl Key {
    /// The bytes `wire::decompress` takes (the frame's security byte says how they are used).
    fn bytes(&self) -> &[u8] {
        match self {
            Key::Hmac(k) => k,
            Key::Aead(k) => k.as_bytes(),
        }
    }
}

impl KeyArgs {
    fn hmac_key(&self) -> anyhow::Result<Option<Vec<u8>>> {
        if let Some(p) = &self.hmac_key_file {
            return Ok(Some(
                std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
            ));
        }
        match &self.hmac_key_hex {
            Some(h) => Ok(Some(
                hex::decode(h.trim()).context("AETHER_M2M_HMAC_KEY is not hex")?,
            )),
            None => Ok(None),
        }
    }

    fn aead_key(&self) -> anyhow::Result<Option<AeadKey>> {
        let (bytes, source) = if let Some(p) = &self.aead_key_file {
            (
                std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
                p.display().to_string(),
            )
        } else if let Some(h) = &self.aead_key_hex {
            (
                hex::decode(h.trim()).context("AETHER_M2M_AEAD_KEY is not hex")?,
                "AETHER_M2M_AEAD_KEY".to_string(),
            )
        } else {
            return Ok(None);
        };
        match AeadKey::from_slice(&bytes) {
            Some(k) => Ok(Some(k)),
            None => anyhow::bail!(
                "the AEAD key in {source} has {} bytes; ChaCha20-Poly1305 needs exactly {}",
                bytes.len(),
                wire::limits::AEAD_KEY_LEN
            ),
        }
    }

    fn key(&self) -> anyhow::Result<Option<Key>> {
        match (self.hmac_key()?, self.aead_key()?) {
            (Some(_), Some(_)) => {
                anyhow::bail!("give either an HMAC key or an AEAD key, not both")
            }
            (Some(k), None) => Ok(Some(Key::Hmac(k))),
            (None, Some(k)) => Ok(Some(Key::Aead(k))),
            (None, None) => Ok(None),
        }
    }
}

/// Arguments of `m2m compress`.
#[derive(clap::Args)]
pub struct CompressArgs {
    #[command(flatten)]
    input: Input,
    /// Format: aether, m2m, m2m-text, brotli, token-cl100k, token-o200k, sse (linked),
    /// sse-frames (one independent frame per event), plain.
    #[arg(long, short = 'a', default_value = "aether")]
    algorithm: Algorithm,
    /// Count request tokens with the model's tokenizer into the routing header.
    #[arg(long)]
    count_tokens: bool,
    #[command(flatten)]
    key: KeyArgs,
    /// Write the frame here instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Print a JSON summary (sizes, ratio, routing header, frame as base64) instead of the frame.
    #[arg(long)]
    json: bool,
}

/// Arguments of `m2m decompress`.
#[derive(clap::Args)]
pub struct DecompressArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    key: KeyArgs,
    /// Largest decompressed payload accepted, in bytes.
    #[arg(long, default_value_t = wire::limits::MAX_DECOMPRESSED_SIZE)]
    max_decompressed: usize,
    /// Write the payload here instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Print a JSON summary (format, sizes, payload as text) instead of the raw payload.
    #[arg(long)]
    json: bool,
}

/// Arguments of `m2m inspect`.
#[derive(clap::Args)]
pub struct InspectArgs {
    #[command(flatten)]
    input: Input,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn write_out(path: &Option<PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

fn compress(args: CompressArgs) -> anyhow::Result<()> {
    let input = args.input.read()?;
    let frame_opts = FrameOptions {
        count_tokens: args.count_tokens,
        stream: false,
    };
    let frame = match args.key.key()? {
        Some(Key::Aead(key)) => wire::compress_aead(&input, args.algorithm, frame_opts, &key),
        hmac => {
            let opts = EncodeOptions {
                frame: frame_opts,
                hmac_key: hmac.map(|k| k.bytes().to_vec()),
            };
            wire::compress(&input, args.algorithm, &opts)
        }
    }
    .context("encoding")?;
    if args.json {
        let routing = wire::inspect(&frame)
            .map(|i| i.to_json())
            .unwrap_or_default();
        let summary = serde_json::json!({
            "format": wire::detect(&frame).name(),
            "input_len": input.len(),
            "frame_len": frame.len(),
            "ratio": frame.len() as f64 / input.len().max(1) as f64,
            "inspect": routing,
            "frame_base64": base64::engine::general_purpose::STANDARD.encode(&frame),
        });
        println!("{summary:#}");
        return Ok(());
    }
    write_out(&args.output, &frame)
}

fn decompress(args: DecompressArgs) -> anyhow::Result<()> {
    let frame = args.input.read()?;
    let limits = Limits {
        max_decompressed: args.max_decompressed,
        ..Limits::default()
    };
    let key = args.key.key()?;
    let payload =
        wire::decompress(&frame, &limits, key.as_ref().map(Key::bytes)).context("decoding")?;
    if args.json {
        let summary = serde_json::json!({
            "format": wire::detect(&frame).name(),
            "frame_len": frame.len(),
            "payload_len": payload.len(),
            "payload": String::from_utf8_lossy(&payload),
        });
        println!("{summary:#}");
        return Ok(());
    }
    write_out(&args.output, &payload)
}

fn inspect(args: InspectArgs) -> anyhow::Result<()> {
    let frame = args.input.read()?;
    let info = wire::inspect(&frame).context("reading the frame header")?;
    let json = info.to_json();
    if args.json {
        println!("{json:#}");
        return Ok(());
    }
    println!("format       {}", info.format.name());
    println!(
        "frame        {} bytes, codec {}",
        info.frame_len, info.codec
    );
    if let Some(n) = info.original_len {
        println!("original     {n} bytes");
    }
    if let Some(n) = info.frames {
        println!("frames       {n}");
    }
    if let Some(s) = info.security {
        println!(
            "security     {}",
            ["none", "hmac-sha256", "aead"]
                .get(usize::from(s))
                .unwrap_or(&"unknown")
        );
    }
    let routing = &json["routing"];
    if !routing.is_null() {
        println!("schema       {}", routing["schema"].as_str().unwrap_or("?"));
        println!("flags        {}", routing["flags"].as_str().unwrap_or("?"));
        if let Some(obj) = routing["header"].as_object() {
            for (k, v) in obj {
                println!("{k:<12} {v}");
            }
        }
        if let Some(e) = routing.get("error") {
            println!("routing      unreadable: {e}");
        }
        if !routing["token_count"].is_null() {
            println!("tokens       {}", routing["token_count"]);
        }
    }
    Ok(())
}

/// Runs an M2M subcommand.
pub fn run(cmd: M2mCommand) -> anyhow::Result<()> {
    match cmd {
        M2mCommand::Scan(args) => crate::scan::run(args),
        M2mCommand::Compress(args) => compress(args),
        M2mCommand::Decompress(args) => decompress(args),
        M2mCommand::Inspect(args) => inspect(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: M2mCommand,
    }

    fn run_args(args: &[&str]) -> anyhow::Result<()> {
        run(Cli::try_parse_from(std::iter::once("m2m").chain(args.iter().copied()))?.cmd)
    }

    #[test]
    fn compress_then_decompress_through_files_for_every_algorithm() {
        let dir = std::env::temp_dir().join(format!("aether-m2m-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let json = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"What is the capital of France?"}]}"#;
        let input = dir.join("in.json");
        std::fs::write(&input, json).unwrap();
        for alg in [
            "aether",
            "m2m",
            "m2m-text",
            "brotli",
            "token-cl100k",
            "plain",
        ] {
            let frame = dir.join(format!("{alg}.frame"));
            let back = dir.join(format!("{alg}.json"));
            // argv input for one, file input for the others.
            if alg == "aether" {
                run_args(&["compress", json, "-a", alg, "-o", frame.to_str().unwrap()]).unwrap();
            } else {
                run_args(&[
                    "compress",
                    "-f",
                    input.to_str().unwrap(),
                    "-a",
                    alg,
                    "-o",
                    frame.to_str().unwrap(),
                ])
                .unwrap();
            }
            run_args(&["inspect", "-f", frame.to_str().unwrap(), "--json"]).unwrap();
            run_args(&[
                "decompress",
                "-f",
                frame.to_str().unwrap(),
                "-o",
                back.to_str().unwrap(),
            ])
            .unwrap();
            assert_eq!(std::fs::read_to_string(&back).unwrap(), json, "{alg}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn aead_key_file_round_trips_and_is_required() {
        let dir = std::env::temp_dir().join(format!("aether-m2m-cli-aead-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let json = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}"#;
        let key = dir.join("aead.key");
        std::fs::write(&key, [0x5au8; 32]).unwrap();
        let wrong = dir.join("wrong.key");
        std::fs::write(&wrong, [0x5bu8; 32]).unwrap();
        let short = dir.join("short.key");
        std::fs::write(&short, [0x5au8; 16]).unwrap();
        let (key, wrong, short) = (
            key.to_str().unwrap(),
            wrong.to_str().unwrap(),
            short.to_str().unwrap(),
        );
        for alg in ["m2m", "m2m-text"] {
            let frame = dir.join(format!("{alg}.frame"));
            let frame = frame.to_str().unwrap();
            let back = dir.join(format!("{alg}.json"));
            run_args(&[
                "compress",
                json,
                "-a",
                alg,
                "--aead-key-file",
                key,
                "-o",
                frame,
            ])
            .unwrap();
            let info = wire::inspect(&std::fs::read(frame).unwrap()).unwrap();
            assert_eq!(info.security, Some(2), "{alg}");
            // The routing header is readable without the key.
            run_args(&["inspect", "-f", frame]).unwrap();
            run_args(&[
                "decompress",
                "-f",
                frame,
                "--aead-key-file",
                key,
                "-o",
                back.to_str().unwrap(),
            ])
            .unwrap();
            assert_eq!(std::fs::read_to_string(&back).unwrap(), json, "{alg}");
            assert!(run_args(&["decompress", "-f", frame]).is_err());
            assert!(run_args(&["decompress", "-f", frame, "--aead-key-file", wrong]).is_err());
            assert!(run_args(&["decompress", "-f", frame, "--aead-key-file", short]).is_err());
        }
        // Formats without an AEAD mode refuse rather than write an unencrypted frame; a key of
        // the wrong length and two keys at once are refused.
        assert!(run_args(&["compress", json, "-a", "aether", "--aead-key-file", key]).is_err());
        assert!(run_args(&["compress", json, "-a", "m2m", "--aead-key-file", short]).is_err());
        assert!(
            run_args(&[
                "compress",
                json,
                "-a",
                "m2m",
                "--aead-key-file",
                key,
                "--hmac-key-file",
                key
            ])
            .is_err()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(run_args(&["compress", "not json", "-a", "aether"]).is_err());
        assert!(run_args(&["decompress", "#M2A|\u{10}"]).is_err());
        assert!(run_args(&["compress", "{}", "-a", "zip"]).is_err());
    }
}
