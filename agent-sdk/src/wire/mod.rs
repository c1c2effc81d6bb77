//! M2M wire formats: what agents put on the wire for LLM-style JSON, readable by routers
//! without decompressing.
//!
//! | prefix | format | module |
//! |---|---|---|
//! | `#M2M|1|` + binary | M2M v1 binary (interop; none, HMAC or AEAD security) | [`v1`] |
//! | `#M2M|1|` + base64 | M2M v1 text form (interop) | [`v1`] |
//! | `#M2M[v3.0]|DATA:` | Brotli text (interop) | [`text_formats`] |
//! | `#TK|C|`, `#TK|O|`, `#TK|L|` | TokenNative (interop) | [`text_formats`] |
//! | `#M2A|` | Aether: v1 routing header + dictionary zstd | [`aether`] |
//! | `#M2S|` | a framed SSE stream (one frame per event) | [`sse`] |
//! | anything else | plain passthrough | |
//!
//! Data flow (sans-IO: bytes in, bytes out):
//! ```text
//! JSON ──parse (depth-checked)──► routing::Routing ──► V1Frame / AetherFrame ──encode──► bytes
//! bytes ──detect──► inspect (header only) | decode (limits: frame, decompressed, depth) ──► JSON
//! ```
//! Each frame type follows one shape: a constructor that validates, `encode(&self, out)`,
//! and `decode(&[u8]) -> Result<Self, DecodeError>` that rejects trailing bytes. Limits are
//! in [`limits`]; errors in [`error`]. The functions below dispatch on an [`Algorithm`]
//! (encode) or on the detected [`Format`] (decode, inspect).
//!
//! ```no_run
//! use aether_agent::wire::{self, Algorithm, EncodeOptions, Limits};
//! let json = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}"#;
//! let frame = wire::compress(json, Algorithm::Aether, &EncodeOptions::default())?;
//! let info = wire::inspect(&frame)?; // routing header, no decompression
//! assert_eq!(wire::decompress(&frame, &Limits::default(), None)?, json);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod aether;
mod compress;
pub mod error;
mod extract;
mod json;
pub mod limits;
pub mod routing;
pub mod sse;
pub mod text_formats;
pub mod tokens;
pub mod v1;
mod varint;

use std::str::FromStr;

use serde_json::{Value, json};

pub use aether::AetherFrame;
pub use compress::AETHER_DICT_V1;
pub use error::{DecodeError, EncodeError};
pub use limits::Limits;
pub use routing::{Routing, RoutingHeader, Schema};
pub use text_formats::{BrotliFrame, TokenFrame, TokenId};
pub use v1::{AeadKey, FrameOptions, V1Frame};

/// A format found by [`detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `#M2M|1|` binary.
    M2mV1,
    /// `#M2M|1|` base64 text form.
    M2mV1Text,
    /// `#M2M[v3.0]|DATA:`.
    Brotli,
    /// `#TK|`.
    TokenNative,
    /// `#M2A|`.
    Aether,
    /// `#M2S|` or `#M2L|`.
    SseStream,
    /// Anything else.
    Plain,
}

impl Format {
    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Format::M2mV1 => "m2m",
            Format::M2mV1Text => "m2m-text",
            Format::Brotli => "brotli",
            Format::TokenNative => "token",
            Format::Aether => "aether",
            Format::SseStream => "sse",
            Format::Plain => "plain",
        }
    }
}

/// Detects the format of `bytes` by prefix. The v1 binary and text forms share a prefix: the
/// binary form's next bytes are the little-endian `header_len` (its high byte is at most
/// `0xFF`, and at least one of the two bytes is outside the base64 alphabet unless the text is
/// base64), so a fixed header that does not parse as binary is read as text.
pub fn detect(bytes: &[u8]) -> Format {
    if bytes.starts_with(v1::PREFIX) {
        let rest = &bytes[v1::PREFIX.len()..];
        let b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        // Text: everything after the prefix is base64 and its length is a multiple of 4.
        if !rest.is_empty() && rest.len().is_multiple_of(4) && rest.iter().all(b64) {
            return Format::M2mV1Text;
        }
        Format::M2mV1
    } else if bytes.starts_with(text_formats::BROTLI_PREFIX) {
        Format::Brotli
    } else if bytes.starts_with(text_formats::TOKEN_PREFIX) {
        Format::TokenNative
    } else if bytes.starts_with(aether::PREFIX) {
        Format::Aether
    } else if bytes.starts_with(sse::PREFIX) || bytes.starts_with(sse::LINKED_PREFIX) {
        Format::SseStream
    } else {
        Format::Plain
    }
}

/// What to encode with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// M2M v1 binary.
    M2m,
    /// M2M v1 text form.
    M2mText,
    /// `#M2M[v3.0]|DATA:` Brotli.
    Brotli,
    /// TokenNative with cl100k.
    TokenCl100k,
    /// TokenNative with o200k.
    TokenO200k,
    /// Aether (`#M2A|`).
    Aether,
    /// An SSE stream as a linked sequence (`#M2L|`: one zstd stream, smallest).
    Sse,
    /// An SSE stream framed event by event with independent Aether frames (`#M2S|`).
    SseFrames,
    /// Passthrough.
    Plain,
}

impl FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "m2m" | "m2m-binary" => Algorithm::M2m,
            "m2m-text" => Algorithm::M2mText,
            "brotli" => Algorithm::Brotli,
            "token" | "token-cl100k" | "tk-c" => Algorithm::TokenCl100k,
            "token-o200k" | "tk-o" => Algorithm::TokenO200k,
            "aether" => Algorithm::Aether,
            "sse" | "sse-linked" => Algorithm::Sse,
            "sse-frames" => Algorithm::SseFrames,
            "plain" | "none" => Algorithm::Plain,
            other => {
                return Err(format!(
                    "unknown algorithm {other:?} (m2m, m2m-text, brotli, token-cl100k, token-o200k, aether, sse, sse-frames, plain)"
                ));
            }
        })
    }
}

/// Options for [`compress`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Frame options (token counting, streaming schema).
    pub frame: FrameOptions,
    /// HMAC-SHA256 key: M2M v1 and Aether frames are written in HMAC mode when set.
    pub hmac_key: Option<Vec<u8>>,
}

/// Encodes `input` with `algorithm`.
pub fn compress(
    input: &[u8],
    algorithm: Algorithm,
    opts: &EncodeOptions,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    match algorithm {
        Algorithm::M2m => {
            let f = V1Frame::from_json(input, opts.frame)?;
            match &opts.hmac_key {
                Some(k) => f.encode_hmac(k, &mut out)?,
                None => f.encode(&mut out),
            }
        }
        Algorithm::M2mText => {
            let f = V1Frame::from_json(input, opts.frame)?;
            match &opts.hmac_key {
                Some(k) => {
                    let mut bin = Vec::new();
                    f.encode_hmac(k, &mut bin)?;
                    v1::binary_to_text(&bin, &mut out);
                }
                None => f.encode_text(&mut out),
            }
        }
        Algorithm::Brotli => BrotliFrame::new(input)?.encode(&mut out),
        Algorithm::TokenCl100k => TokenFrame::new(TokenId::C, input)?.encode(&mut out),
        Algorithm::TokenO200k => TokenFrame::new(TokenId::O, input)?.encode(&mut out),
        Algorithm::Aether => {
            let f = AetherFrame::from_json(input, opts.frame)?;
            match &opts.hmac_key {
                Some(k) => f.encode_hmac(k, &mut out)?,
                None => f.encode(&mut out),
            }
        }
        Algorithm::Sse => out = sse::encode_stream(input, sse::EventFormat::Linked)?,
        Algorithm::SseFrames => out = sse::encode_stream(input, sse::EventFormat::Aether)?,
        Algorithm::Plain => {
            if input.len() > limits::MAX_INPUT_SIZE {
                return Err(EncodeError::InputTooLarge {
                    len: input.len(),
                    max: limits::MAX_INPUT_SIZE,
                });
            }
            out.extend_from_slice(input);
        }
    }
    Ok(out)
}

/// Encodes `input` as an M2M v1 frame in AEAD mode (security byte 02, ChaCha20-Poly1305 under
/// `key`, random nonce): binary for [`Algorithm::M2m`], text form for [`Algorithm::M2mText`].
/// Other algorithms define no AEAD mode and give [`EncodeError::AeadUnsupported`] rather than
/// an unencrypted frame. Read the frame back with [`decompress`] and `Some(key.as_bytes())`.
pub fn compress_aead(
    input: &[u8],
    algorithm: Algorithm,
    frame: FrameOptions,
    key: &AeadKey,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(input.len() / 2 + 96);
    match algorithm {
        Algorithm::M2m => V1Frame::from_json(input, frame)?.encode_aead(key, &mut out)?,
        Algorithm::M2mText => V1Frame::from_json(input, frame)?.encode_aead_text(key, &mut out)?,
        other => {
            return Err(EncodeError::AeadUnsupported {
                algorithm: format!("{other:?}"),
            });
        }
    }
    Ok(out)
}

/// Decodes any supported format (detected by prefix) back to the original bytes. `key` is
/// needed for HMAC frames (M2M v1, Aether) and for M2M v1 AEAD frames (then exactly the 32
/// bytes of an [`AeadKey`]); the frame's security byte says which it is.
pub fn decompress(
    frame: &[u8],
    limits: &Limits,
    key: Option<&[u8]>,
) -> Result<Vec<u8>, DecodeError> {
    Ok(match detect(frame) {
        Format::M2mV1 => V1Frame::decode_with(frame, limits, key)?.into_payload(),
        Format::M2mV1Text => V1Frame::decode_text_with(frame, limits, key)?.into_payload(),
        Format::Brotli => BrotliFrame::decode_with(frame, limits)?.payload,
        Format::TokenNative => TokenFrame::decode_with(frame, limits)?.payload,
        Format::Aether => AetherFrame::decode_with(frame, limits, key)?.into_payload(),
        Format::SseStream => sse::decode_stream(frame, limits)?,
        Format::Plain => {
            if frame.len() > limits.max_frame {
                return Err(DecodeError::FrameTooLarge {
                    len: frame.len(),
                    max: limits.max_frame,
                });
            }
            frame.to_vec()
        }
    })
}

/// What a router sees in a frame without decompressing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// Detected format.
    pub format: Format,
    /// Frame length in bytes.
    pub frame_len: usize,
    /// Security byte (M2M v1, Aether).
    pub security: Option<u8>,
    /// Routing metadata, or why the routing header could not be parsed (M2M v1, Aether).
    pub routing: Option<Result<Routing, DecodeError>>,
    /// Declared original length (Aether).
    pub original_len: Option<usize>,
    /// Compressed payload length (M2M v1 without AEAD, Aether).
    pub payload_len: Option<usize>,
    /// Whether the payload is compressed, and how.
    pub codec: &'static str,
    /// Number of frames (SSE sequences).
    pub frames: Option<usize>,
}

/// Reads the headers of a frame without decompressing its payload.
pub fn inspect(frame: &[u8]) -> Result<Inspection, DecodeError> {
    let limits = Limits::default();
    let format = detect(frame);
    let mut i = Inspection {
        format,
        frame_len: frame.len(),
        security: None,
        routing: None,
        original_len: None,
        payload_len: None,
        codec: "none",
        frames: None,
    };
    match format {
        Format::M2mV1 | Format::M2mV1Text => {
            let bin;
            let bytes = if format == Format::M2mV1Text {
                bin = v1::text_to_binary(frame, &limits)?;
                &bin[..]
            } else {
                frame
            };
            let h = V1Frame::inspect(bytes)?;
            i.security = Some(h.security);
            i.payload_len = h.payload_len;
            i.codec = if h.common & routing::common_flags::COMPRESSED != 0 {
                "brotli"
            } else {
                "stored"
            };
            i.routing = Some(h.routing);
        }
        Format::Aether => {
            let h = AetherFrame::inspect(frame)?;
            i.security = Some(h.security);
            i.original_len = Some(h.original_len);
            let tag = if h.security == 1 {
                limits::HMAC_TAG_LEN
            } else {
                0
            };
            i.payload_len = Some(frame.len().saturating_sub(h.payload_offset + tag));
            i.codec = match h.codec {
                aether::CODEC_STORED => "stored",
                aether::CODEC_ZSTD_DICT_V1 => "zstd+dict:aether-llm-v1",
                aether::CODEC_ZSTD => "zstd",
                _ => "unknown",
            };
            i.routing = Some(Ok(h.routing));
        }
        Format::Brotli => i.codec = "brotli",
        Format::TokenNative => i.codec = "token-ids",
        Format::SseStream => i.frames = Some(sse::frames(frame, &limits)?.len()),
        Format::Plain => {}
    }
    Ok(i)
}

impl Inspection {
    /// The inspection as JSON (for `aether-cli m2m inspect --json`).
    pub fn to_json(&self) -> Value {
        let routing = match &self.routing {
            None => Value::Null,
            Some(Err(e)) => json!({ "error": e.to_string() }),
            Some(Ok(r)) => routing_json(r),
        };
        json!({
            "format": self.format.name(),
            "frame_len": self.frame_len,
            "security": self.security,
            "codec": self.codec,
            "original_len": self.original_len,
            "payload_len": self.payload_len,
            "frames": self.frames,
            "routing": routing,
        })
    }
}

/// The routing metadata as JSON.
pub fn routing_json(r: &Routing) -> Value {
    let header = match &r.header {
        RoutingHeader::Request(h) => json!({
            "model": h.model,
            "message_count": h.message_count,
            "roles": h.roles.iter().map(|r| r.name()).collect::<Vec<_>>(),
            "content_hint": h.content_hint,
            "max_tokens": h.max_tokens,
            "cost_usd": h.cost_usd,
        }),
        RoutingHeader::Response(h) => json!({
            "id": h.id,
            "model": h.model,
            "finish_reason": h.finish_reason.name(),
            "prompt_tokens": h.prompt_tokens,
            "completion_tokens": h.completion_tokens,
            "cached_tokens": h.cached_tokens,
            "reasoning_tokens": h.reasoning_tokens,
            "cost_usd": h.cost_usd,
        }),
        RoutingHeader::Opaque => Value::Null,
    };
    json!({
        "schema": r.schema.name(),
        "flags": format!("{:#06x}", r.flags),
        "header": header,
        "token_count": r.token_count.map(|t| json!({ "tokenizer": t.tokenizer.name(), "tokens": t.tokens })),
    })
}
