//! The readable part of a frame: schema, flags and the routing header.
//!
//! The layout is the M2M v1 variable header (see the crate README, "Wire formats"); Aether
//! frames carry the same bytes, so one parser serves routers for both. Values are extracted
//! from the JSON on encode and parsed from bytes on inspect, without touching the payload.
//!
//! Differences from the reference writer (each keeps frames readable by the reference):
//! - `max_tokens` flag (request bit 6) is set only when a non-negative integer follows, so
//!   `"max_tokens": null` no longer leaves a flag without its varint;
//! - every message gets a role slot (`function` → tool, missing or unknown → user), so the
//!   roles bytes always match the message count;
//! - model names and ids longer than 255 bytes are cut at a UTF-8 boundary instead of
//!   overflowing the u8 length; numbers above u32 saturate instead of wrapping.

use serde_json::Value;

use super::error::{DecodeError, EncodeError};
use super::extract::{self, Extract, Scalar};
use super::json;
use super::limits::{MAX_JSON_DEPTH, MAX_SHORT_STRING_LEN};
use super::tokens::{self, Tokenizer};
use super::varint;

/// Size of the M2M v1 fixed header (after the prefix).
pub const FIXED_HEADER_LEN: usize = 20;

/// What a frame carries (fixed-header byte 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// Chat-completion request (01).
    Request,
    /// Chat-completion response (02).
    Response,
    /// Streaming chunk (03).
    Stream,
    /// Embedding request (04).
    EmbeddingRequest,
    /// Embedding response (05).
    EmbeddingResponse,
    /// Error (10).
    Error,
    /// Custom or extension payload (FE), also used for non-JSON SSE events.
    Custom,
    /// Any other byte, kept as is.
    Other(u8),
}

impl Schema {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        match self {
            Schema::Request => 0x01,
            Schema::Response => 0x02,
            Schema::Stream => 0x03,
            Schema::EmbeddingRequest => 0x04,
            Schema::EmbeddingResponse => 0x05,
            Schema::Error => 0x10,
            Schema::Custom => 0xFE,
            Schema::Other(b) => b,
        }
    }

    /// The schema of wire byte `b`.
    pub fn from_byte(b: u8) -> Self {
        match b {
            0x01 => Schema::Request,
            0x02 => Schema::Response,
            0x03 => Schema::Stream,
            0x04 => Schema::EmbeddingRequest,
            0x05 => Schema::EmbeddingResponse,
            0x10 => Schema::Error,
            0xFE => Schema::Custom,
            other => Schema::Other(other),
        }
    }

    /// Which routing-header layout follows the fixed header.
    pub fn layout(self) -> Layout {
        match self {
            Schema::Request | Schema::EmbeddingRequest => Layout::Request,
            Schema::Response | Schema::EmbeddingResponse | Schema::Error | Schema::Stream => {
                Layout::Response
            }
            Schema::Custom | Schema::Other(_) => Layout::Opaque,
        }
    }

    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Schema::Request => "request",
            Schema::Response => "response",
            Schema::Stream => "stream",
            Schema::EmbeddingRequest => "embedding_request",
            Schema::EmbeddingResponse => "embedding_response",
            Schema::Error => "error",
            Schema::Custom => "custom",
            Schema::Other(_) => "other",
        }
    }
}

/// The routing-header layout a schema uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// [`RequestHeader`].
    Request,
    /// [`ResponseHeader`] (the reference writes it for responses; Aether also for chunks).
    Response,
    /// No parsed header; bytes are skipped by length.
    Opaque,
}

/// Request flag bits (fixed-header bytes 4-5 when the schema is a request).
pub mod request_flags {
    /// A system or developer message is present.
    pub const SYSTEM: u16 = 1 << 0;
    /// `tools` or `functions` present.
    pub const TOOLS: u16 = 1 << 1;
    /// `tool_choice` or `function_call` present.
    pub const TOOL_CHOICE: u16 = 1 << 2;
    /// A message has an `image_url` part.
    pub const IMAGES: u16 = 1 << 3;
    /// `"stream": true`.
    pub const STREAM: u16 = 1 << 4;
    /// `response_format` present.
    pub const RESPONSE_FORMAT: u16 = 1 << 5;
    /// `max_tokens`/`max_completion_tokens` present (Aether: and an integer), varint follows.
    pub const MAX_TOKENS: u16 = 1 << 6;
    /// `reasoning_effort` present.
    pub const REASONING_EFFORT: u16 = 1 << 7;
    /// `service_tier` present.
    pub const SERVICE_TIER: u16 = 1 << 8;
    /// `seed` present.
    pub const SEED: u16 = 1 << 9;
    /// `logprobs` present.
    pub const LOGPROBS: u16 = 1 << 10;
    /// `user` present.
    pub const USER: u16 = 1 << 11;
    /// `temperature` present.
    pub const TEMPERATURE: u16 = 1 << 12;
    /// `top_p` present.
    pub const TOP_P: u16 = 1 << 13;
    /// `stop` present.
    pub const STOP: u16 = 1 << 14;
}

/// Response flag bits (fixed-header bytes 4-5 when the schema is a response).
pub mod response_flags {
    /// The first choice's message has `tool_calls`.
    pub const TOOL_CALLS: u16 = 1 << 0;
    /// The first choice's message has a string `refusal`.
    pub const REFUSAL: u16 = 1 << 1;
    /// Finish reason `content_filter`.
    pub const CONTENT_FILTER: u16 = 1 << 2;
    /// `usage` present.
    pub const USAGE: u16 = 1 << 3;
    /// Finish reason `length`.
    pub const TRUNCATED: u16 = 1 << 4;
    /// Cached prompt tokens > 0 (varint follows the token counts).
    pub const CACHED_TOKENS: u16 = 1 << 5;
    /// Reasoning tokens > 0 (varint follows).
    pub const REASONING_TOKENS: u16 = 1 << 6;
    /// Cost estimate present (f32 follows).
    pub const COST: u16 = 1 << 7;
}

/// Common flag bits (fixed-header byte 7).
pub mod common_flags {
    /// The payload is Brotli-compressed.
    pub const COMPRESSED: u8 = 1 << 0;
    /// Extension records follow the routing header (inside `header_len`).
    pub const EXTENSIONS: u8 = 1 << 1;
}

/// Message role as packed in the routing header (2 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `system` or `developer` (0).
    System,
    /// `user`, also any unknown or missing role (1).
    User,
    /// `assistant` (2).
    Assistant,
    /// `tool`, also the legacy `function` role (3).
    Tool,
}

impl Role {
    fn bits(self) -> u8 {
        match self {
            Role::System => 0,
            Role::User => 1,
            Role::Assistant => 2,
            Role::Tool => 3,
        }
    }

    fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Role::System,
            1 => Role::User,
            2 => Role::Assistant,
            _ => Role::Tool,
        }
    }

    fn from_json(role: Option<&str>) -> Self {
        match role {
            Some("system" | "developer") => Role::System,
            Some("assistant") => Role::Assistant,
            Some("tool" | "function") => Role::Tool,
            _ => Role::User,
        }
    }

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// Finish reason of a response's first choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    /// `stop` (00).
    Stop,
    /// `length` (01).
    Length,
    /// `tool_calls` (02).
    ToolCalls,
    /// `content_filter` (03).
    ContentFilter,
    /// Anything else or absent (FF, or any other byte read from a peer).
    Unknown,
}

impl FinishReason {
    fn byte(self) -> u8 {
        match self {
            FinishReason::Stop => 0,
            FinishReason::Length => 1,
            FinishReason::ToolCalls => 2,
            FinishReason::ContentFilter => 3,
            FinishReason::Unknown => 0xFF,
        }
    }

    fn from_byte(b: u8) -> Self {
        match b {
            0 => FinishReason::Stop,
            1 => FinishReason::Length,
            2 => FinishReason::ToolCalls,
            3 => FinishReason::ContentFilter,
            _ => FinishReason::Unknown,
        }
    }

    fn from_json(s: Option<&str>) -> Self {
        match s {
            Some("stop") => FinishReason::Stop,
            Some("length") => FinishReason::Length,
            Some("tool_calls") => FinishReason::ToolCalls,
            Some("content_filter") => FinishReason::ContentFilter,
            _ => FinishReason::Unknown,
        }
    }

    /// The reason's name.
    pub fn name(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Unknown => "unknown",
        }
    }
}

/// Routing header of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestHeader {
    /// `model` (at most 255 bytes).
    pub model: String,
    /// Number of entries in `messages`.
    pub message_count: u32,
    /// One role per message.
    pub roles: Vec<Role>,
    /// Sum of string content bytes (string contents and `text` parts).
    pub content_hint: u32,
    /// `max_tokens` (or `max_completion_tokens`), present iff request flag 6.
    pub max_tokens: Option<u32>,
    /// Estimated cost in USD (always written by encoders).
    pub cost_usd: Option<f32>,
}

/// Routing header of a response (and of a streaming chunk).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeader {
    /// `id` (at most 255 bytes).
    pub id: String,
    /// `model` (at most 255 bytes).
    pub model: String,
    /// Finish reason of the first choice.
    pub finish_reason: FinishReason,
    /// `usage.prompt_tokens`.
    pub prompt_tokens: u32,
    /// `usage.completion_tokens`.
    pub completion_tokens: u32,
    /// `usage.prompt_tokens_details.cached_tokens`, present iff response flag 5.
    pub cached_tokens: Option<u32>,
    /// `usage.completion_tokens_details.reasoning_tokens`, present iff response flag 6.
    pub reasoning_tokens: Option<u32>,
    /// Cost in USD, present iff response flag 7.
    pub cost_usd: Option<f32>,
}

/// Extension record: a prompt token count from a real tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCount {
    /// The vocabulary used.
    pub tokenizer: Tokenizer,
    /// Tokens in the message contents.
    pub tokens: u32,
}

/// Extension record type of [`TokenCount`].
pub const EXT_TOKEN_COUNT: u8 = 0x01;

/// The parsed routing header.
#[derive(Debug, Clone, PartialEq)]
pub enum RoutingHeader {
    /// Request layout.
    Request(RequestHeader),
    /// Response layout.
    Response(ResponseHeader),
    /// A schema without a parsed layout.
    Opaque,
}

/// Everything a router reads: schema, flags, routing header and extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// Schema byte.
    pub schema: Schema,
    /// Request or response flags (fixed-header bytes 4-5).
    pub flags: u16,
    /// The routing header.
    pub header: RoutingHeader,
    /// Token count extension, if present.
    pub token_count: Option<TokenCount>,
}

/// `s` cut to at most 255 bytes at a UTF-8 boundary (the u8 length of the header).
fn short(s: &str) -> &str {
    let mut end = s.len().min(MAX_SHORT_STRING_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn push_short_str(out: &mut Vec<u8>, s: &str) {
    let s = short(s);
    // At most 255 bytes by construction.
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

fn read_short_str(buf: &[u8], pos: &mut usize, field: &'static str) -> Result<String, DecodeError> {
    let len = usize::from(
        *buf.get(*pos)
            .ok_or(DecodeError::Truncated { field, needed: 1 })?,
    );
    *pos += 1;
    let bytes = buf.get(*pos..*pos + len).ok_or(DecodeError::Truncated {
        field,
        needed: (*pos + len).saturating_sub(buf.len()),
    })?;
    *pos += len;
    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidField {
        field,
        value: format!("{bytes:02x?}"),
    })
}

impl Routing {
    /// Appends the variable header (routing header then extension records) for these flags.
    /// Returns the common-flag bits the caller must set ([`common_flags::EXTENSIONS`]).
    pub fn encode_variable(&self, out: &mut Vec<u8>) -> u8 {
        match &self.header {
            RoutingHeader::Request(h) => {
                push_short_str(out, &h.model);
                varint::write(out, u64::from(h.message_count));
                let start = out.len();
                out.resize(start + (h.roles.len() * 2).div_ceil(8), 0);
                for (i, role) in h.roles.iter().enumerate() {
                    out[start + i / 4] |= role.bits() << ((i % 4) * 2);
                }
                varint::write(out, u64::from(h.content_hint));
                if self.flags & request_flags::MAX_TOKENS != 0 {
                    varint::write(out, u64::from(h.max_tokens.unwrap_or(0)));
                }
                if let Some(cost) = h.cost_usd {
                    out.extend_from_slice(&cost.to_le_bytes());
                }
            }
            RoutingHeader::Response(h) => {
                push_short_str(out, &h.id);
                push_short_str(out, &h.model);
                out.push(h.finish_reason.byte());
                varint::write(out, u64::from(h.prompt_tokens));
                varint::write(out, u64::from(h.completion_tokens));
                if self.flags & response_flags::CACHED_TOKENS != 0 {
                    varint::write(out, u64::from(h.cached_tokens.unwrap_or(0)));
                }
                if self.flags & response_flags::REASONING_TOKENS != 0 {
                    varint::write(out, u64::from(h.reasoning_tokens.unwrap_or(0)));
                }
                if self.flags & response_flags::COST != 0 {
                    out.extend_from_slice(&h.cost_usd.unwrap_or(0.0).to_le_bytes());
                }
            }
            RoutingHeader::Opaque => {}
        }
        match self.token_count {
            Some(tc) => {
                out.push(EXT_TOKEN_COUNT);
                let mut rec = vec![tc.tokenizer.id()];
                varint::write(&mut rec, u64::from(tc.tokens));
                varint::write(out, rec.len() as u64);
                out.extend_from_slice(&rec);
                common_flags::EXTENSIONS
            }
            None => 0,
        }
    }

    /// Parses a variable header (`buf` is exactly the bytes `header_len` covers after the fixed
    /// header). Bytes after the known fields are ignored unless `extensions` says records
    /// follow, matching how the reference skips by `header_len`.
    pub fn decode_variable(
        schema: Schema,
        flags: u16,
        extensions: bool,
        buf: &[u8],
    ) -> Result<Self, DecodeError> {
        let mut pos = 0;
        let header = match schema.layout() {
            Layout::Request => {
                let model = read_short_str(buf, &mut pos, "model")?;
                let message_count = varint::read_u32(buf, &mut pos, "message_count")?;
                let role_bytes = (message_count as usize * 2).div_ceil(8);
                let packed = buf
                    .get(pos..pos + role_bytes)
                    .ok_or(DecodeError::Truncated {
                        field: "roles",
                        needed: (pos + role_bytes).saturating_sub(buf.len()),
                    })?;
                pos += role_bytes;
                let roles = (0..message_count as usize)
                    .map(|i| Role::from_bits(packed[i / 4] >> ((i % 4) * 2)))
                    .collect();
                let content_hint = varint::read_u32(buf, &mut pos, "content_hint")?;
                let max_tokens = if flags & request_flags::MAX_TOKENS != 0 {
                    Some(varint::read_u32(buf, &mut pos, "max_tokens")?)
                } else {
                    None
                };
                let cost_usd = read_f32(buf, &mut pos);
                RoutingHeader::Request(RequestHeader {
                    model,
                    message_count,
                    roles,
                    content_hint,
                    max_tokens,
                    cost_usd,
                })
            }
            Layout::Response => {
                let id = read_short_str(buf, &mut pos, "id")?;
                let model = read_short_str(buf, &mut pos, "model")?;
                let finish = *buf.get(pos).ok_or(DecodeError::Truncated {
                    field: "finish_reason",
                    needed: 1,
                })?;
                pos += 1;
                let prompt_tokens = varint::read_u32(buf, &mut pos, "prompt_tokens")?;
                let completion_tokens = varint::read_u32(buf, &mut pos, "completion_tokens")?;
                let cached_tokens = if flags & response_flags::CACHED_TOKENS != 0 {
                    Some(varint::read_u32(buf, &mut pos, "cached_tokens")?)
                } else {
                    None
                };
                let reasoning_tokens = if flags & response_flags::REASONING_TOKENS != 0 {
                    Some(varint::read_u32(buf, &mut pos, "reasoning_tokens")?)
                } else {
                    None
                };
                let cost_usd = if flags & response_flags::COST != 0 {
                    Some(read_f32(buf, &mut pos).ok_or(DecodeError::Truncated {
                        field: "cost",
                        needed: (pos + 4).saturating_sub(buf.len()),
                    })?)
                } else {
                    None
                };
                RoutingHeader::Response(ResponseHeader {
                    id,
                    model,
                    finish_reason: FinishReason::from_byte(finish),
                    prompt_tokens,
                    completion_tokens,
                    cached_tokens,
                    reasoning_tokens,
                    cost_usd,
                })
            }
            Layout::Opaque => RoutingHeader::Opaque,
        };
        let mut token_count = None;
        if extensions {
            while pos < buf.len() {
                let kind = buf[pos];
                pos += 1;
                let len = varint::read_u32(buf, &mut pos, "extension length")? as usize;
                let rec = buf.get(pos..pos + len).ok_or(DecodeError::Truncated {
                    field: "extension",
                    needed: (pos + len).saturating_sub(buf.len()),
                })?;
                pos += len;
                if kind == EXT_TOKEN_COUNT {
                    let id = *rec.first().ok_or(DecodeError::Truncated {
                        field: "token_count",
                        needed: 1,
                    })?;
                    let tokenizer = Tokenizer::from_id(id).ok_or(DecodeError::InvalidField {
                        field: "token_count tokenizer",
                        value: id.to_string(),
                    })?;
                    let mut p = 1;
                    let tokens = varint::read_u32(rec, &mut p, "token_count")?;
                    token_count = Some(TokenCount { tokenizer, tokens });
                }
                // Unknown record types are skipped: newer peers may add some.
            }
        }
        Ok(Routing {
            schema,
            flags,
            header,
            token_count,
        })
    }

    /// Extracts schema, flags and routing header from JSON bytes (validated in one pass, depth
    /// checked first), classifying the document as the reference does: an object with `model`
    /// and `messages` is a request; one with `choices` or an id starting `chatcmpl-` a response
    /// (a streaming chunk when `stream`); anything else a request. With `count_tokens`, request
    /// contents are counted with the model's tokenizer (when known) and the cost uses that count
    /// instead of the 4-bytes-a-token estimate.
    pub fn from_json_bytes(
        bytes: &[u8],
        stream: bool,
        count_tokens: bool,
    ) -> Result<Self, EncodeError> {
        if json::depth_exceeds(bytes, MAX_JSON_DEPTH) {
            return Err(EncodeError::NestingTooDeep {
                max: MAX_JSON_DEPTH,
            });
        }
        let x = extract::extract(bytes).map_err(|e| EncodeError::InvalidJson {
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })?;
        Ok(Self::from_extract(&x, stream, count_tokens))
    }

    /// [`Routing::from_json_bytes`] for an already parsed value.
    pub fn from_json(value: &Value, stream: bool, count_tokens: bool) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        Self::from_json_bytes(&bytes, stream, count_tokens).unwrap_or_else(|_| Self::opaque())
    }

    fn from_extract(x: &Extract<'_>, stream: bool, count_tokens: bool) -> Self {
        let is_request = x.has_messages && x.model_present;
        let is_response =
            x.has_choices || x.id.as_str().is_some_and(|s| s.starts_with("chatcmpl-"));
        if is_request || !(is_response || stream) {
            Self::request_from(x, count_tokens)
        } else {
            Self::response_from(
                x,
                if stream {
                    Schema::Stream
                } else {
                    Schema::Response
                },
            )
        }
    }

    fn request_from(x: &Extract<'_>, count_tokens: bool) -> Self {
        use request_flags as f;
        let mut flags = 0u16;
        let model = x.model.as_str().unwrap_or("");
        let mut roles = Vec::with_capacity(x.messages.len());
        let mut content_hint = 0u32;
        for msg in &x.messages {
            let role = msg.role.as_str();
            if matches!(role, Some("system" | "developer")) {
                flags |= f::SYSTEM;
            }
            roles.push(Role::from_json(role));
            for t in &msg.texts {
                content_hint = content_hint.saturating_add(sat32(t.len()));
            }
            if msg.image {
                flags |= f::IMAGES;
            }
        }
        if x.has("tools") || x.has("functions") {
            flags |= f::TOOLS;
        }
        if x.has("tool_choice") || x.has("function_call") {
            flags |= f::TOOL_CHOICE;
        }
        if x.stream == Scalar::Bool(true) {
            flags |= f::STREAM;
        }
        for (key, bit) in [
            ("response_format", f::RESPONSE_FORMAT),
            ("reasoning_effort", f::REASONING_EFFORT),
            ("service_tier", f::SERVICE_TIER),
            ("seed", f::SEED),
            ("logprobs", f::LOGPROBS),
            ("user", f::USER),
            ("temperature", f::TEMPERATURE),
            ("top_p", f::TOP_P),
            ("stop", f::STOP),
        ] {
            if x.has(key) {
                flags |= bit;
            }
        }
        // Fixed defect: the flag means "a varint follows", so only set it for an integer.
        let max_tokens = x
            .max_tokens
            .as_u64()
            .or(x.max_completion_tokens.as_u64())
            .map(sat32_u64);
        if max_tokens.is_some() {
            flags |= f::MAX_TOKENS;
        }
        let token_count = if count_tokens {
            Tokenizer::for_model(model).map(|tokenizer| TokenCount {
                tokenizer,
                tokens: tokenizer.count(
                    x.messages
                        .iter()
                        .flat_map(|m| m.texts.iter().map(|t| t.as_ref())),
                ),
            })
        } else {
            None
        };
        let prompt = match token_count {
            Some(tc) => tc.tokens,
            None => tokens::estimate_tokens_from_bytes(content_hint),
        };
        let cost = tokens::estimate_cost_usd(model, prompt, max_tokens.unwrap_or(500));
        Routing {
            schema: Schema::Request,
            flags,
            header: RoutingHeader::Request(RequestHeader {
                model: short(model).to_owned(),
                message_count: sat32(roles.len()),
                roles,
                content_hint,
                max_tokens,
                cost_usd: Some(cost),
            }),
            token_count,
        }
    }

    fn response_from(x: &Extract<'_>, schema: Schema) -> Self {
        use response_flags as f;
        let mut flags = 0u16;
        let first = x.first_choice.as_ref();
        let finish = first.and_then(|c| c.finish_reason.as_str());
        if let Some(c) = first {
            // Chunks carry `delta` where responses carry `message`.
            let msg = if c.message.present {
                c.message
            } else {
                c.delta
            };
            if msg.tool_calls {
                flags |= f::TOOL_CALLS;
            }
            if msg.refusal {
                flags |= f::REFUSAL;
            }
        }
        match finish {
            Some("content_filter") => flags |= f::CONTENT_FILTER,
            Some("length") => flags |= f::TRUNCATED,
            _ => {}
        }
        let model = x.model.as_str().unwrap_or("");
        let usage = x.usage.filter(|u| !u.null || schema != Schema::Stream);
        let prompt_tokens = sat32_u64(usage.and_then(|u| u.prompt_tokens).unwrap_or(0));
        let completion_tokens = sat32_u64(usage.and_then(|u| u.completion_tokens).unwrap_or(0));
        let cached = usage.and_then(|u| u.cached_tokens).filter(|n| *n > 0);
        let reasoning = usage.and_then(|u| u.reasoning_tokens).filter(|n| *n > 0);
        let mut cost_usd = None;
        if usage.is_some() {
            flags |= f::USAGE | f::COST;
            cost_usd = Some(tokens::estimate_cost_usd(
                model,
                prompt_tokens,
                completion_tokens,
            ));
        }
        if cached.is_some() {
            flags |= f::CACHED_TOKENS;
        }
        if reasoning.is_some() {
            flags |= f::REASONING_TOKENS;
        }
        Routing {
            schema,
            flags,
            header: RoutingHeader::Response(ResponseHeader {
                id: short(x.id.as_str().unwrap_or("")).to_owned(),
                model: short(model).to_owned(),
                finish_reason: FinishReason::from_json(finish),
                prompt_tokens,
                completion_tokens,
                cached_tokens: cached.map(sat32_u64),
                reasoning_tokens: reasoning.map(sat32_u64),
                cost_usd,
            }),
            token_count: None,
        }
    }

    /// A header for payloads that are not JSON (e.g. SSE comments): custom schema, nothing
    /// to route on.
    pub fn opaque() -> Self {
        Routing {
            schema: Schema::Custom,
            flags: 0,
            header: RoutingHeader::Opaque,
            token_count: None,
        }
    }
}

fn read_f32(buf: &[u8], pos: &mut usize) -> Option<f32> {
    let bytes: [u8; 4] = buf.get(*pos..*pos + 4)?.try_into().ok()?;
    *pos += 4;
    Some(f32::from_le_bytes(bytes))
}

fn sat32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn sat32_u64(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
