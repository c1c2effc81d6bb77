//! Aether's own frame (`#M2A|`): the M2M v1 routing header, a compact fixed part, and a zstd
//! payload compressed with a dictionary trained on public LLM-API JSON and shipped in the
//! crate, so small messages shrink too.
//!
//! ```text
//! off  size  field
//! 0    5     "#M2A|"
//! 5    1     bits 7-4 format version (1); bits 3-2 security (0 none, 1 HMAC-SHA256); bits 1-0 zero
//! 6    1     schema (M2M v1 codes)
//! 7    1     codec: 0 stored, 1 zstd with dictionary aether-llm-v1, 2 zstd without dictionary;
//!            bit 7 set: the routing header's quoted id/model are elided from the compressed text
//! 8    v     flags: varint, the M2M v1 request/response flag bits (u16)
//! .    v     routing_len: varint, bytes of routing header + extension records
//! .    n     routing header (M2M v1 variable-header layout of the schema), then extension records
//! .    v     original_len: varint, payload length before compression
//! .    4     crc32 (IEEE, little-endian) of the original payload
//! .    *     payload to the end of the frame (zstd frame without its 4-byte magic number,
//!            checksum, dictionary id or content size)
//! [32]       HMAC-SHA256 over bytes 5.. up to the tag, when security is 1
//! ```
//! A frame is delimited by its carrier (a P2P message, an HTTP body): the payload runs to the
//! end. Peers use it only after negotiating the `aether` algorithm.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::compress;
use super::error::{DecodeError, EncodeError};
use super::json;
use super::limits::{HMAC_TAG_LEN, Limits, MAX_HEADER_LEN, MAX_INPUT_SIZE, MIN_HMAC_KEY_LEN};
use super::routing::{Routing, RoutingHeader, Schema};
use super::v1::FrameOptions;
use super::varint;

/// The frame prefix.
pub const PREFIX: &[u8] = b"#M2A|";
/// Format version written in the high nibble of byte 5.
pub const VERSION: u8 = 1;
/// Codec byte: payload stored as is.
pub const CODEC_STORED: u8 = 0;
/// Codec byte: zstd with the shipped dictionary `aether-llm-v1`.
pub const CODEC_ZSTD_DICT_V1: u8 = 1;
/// Codec byte: zstd without a dictionary.
pub const CODEC_ZSTD: u8 = 2;
/// Codec flag (bit 7): the compressed text has the routing header's quoted strings elided:
/// every occurrence of `"<id>"` is byte 0x01 and of `"<model>"` byte 0x02 (bytes that valid
/// JSON never contains raw), so the frame does not carry them twice.
pub const CODEC_ELIDED: u8 = 0x80;
/// Marker byte for the quoted response id.
const MARK_ID: u8 = 0x01;
/// Marker byte for the quoted model.
const MARK_MODEL: u8 = 0x02;

/// Payloads this large or larger skip the dictionary (it no longer pays and costs time).
pub const DICT_MAX_INPUT: usize = 1 << 20;
/// Payloads shorter than this are stored (nothing to gain from compressing).
pub const MIN_COMPRESS_INPUT: usize = 24;

type HmacSha256 = Hmac<Sha256>;

/// An Aether frame: routing metadata plus the original payload.
#[derive(Debug, Clone, PartialEq)]
pub struct AetherFrame {
    routing: Routing,
    /// Routing header and extension records, encoded once at construction.
    routing_bytes: Vec<u8>,
    payload: Vec<u8>,
}

/// The readable part of an Aether frame.
#[derive(Debug, Clone, PartialEq)]
pub struct AetherHeader {
    /// Format version.
    pub version: u8,
    /// Security mode (0 none, 1 HMAC).
    pub security: u8,
    /// Codec byte.
    pub codec: u8,
    /// Routing header and extensions.
    pub routing: Routing,
    /// Declared original payload length.
    pub original_len: usize,
    /// CRC32 of the original payload.
    pub crc32: u32,
    /// Offset of the compressed payload in the frame.
    pub payload_offset: usize,
}

impl AetherFrame {
    /// Builds a frame from JSON.
    pub fn from_json(json_bytes: &[u8], opts: FrameOptions) -> Result<Self, EncodeError> {
        let routing = opts.routing(json_bytes)?;
        Self::new(routing, json_bytes.to_vec())
    }

    /// Builds a frame from a routing header and a payload (checked against the limits).
    pub fn new(routing: Routing, payload: Vec<u8>) -> Result<Self, EncodeError> {
        let mut routing_bytes = Vec::with_capacity(48);
        routing.encode_variable(&mut routing_bytes);
        if routing_bytes.len() > MAX_HEADER_LEN {
            return Err(EncodeError::HeaderTooLarge {
                len: routing_bytes.len(),
                max: MAX_HEADER_LEN,
            });
        }
        if payload.len() > MAX_INPUT_SIZE {
            return Err(EncodeError::InputTooLarge {
                len: payload.len(),
                max: MAX_INPUT_SIZE,
            });
        }
        Ok(Self {
            routing,
            routing_bytes,
            payload,
        })
    }

    /// What the frame routes on.
    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    /// The original payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the original payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    fn write(&self, security: u8, out: &mut Vec<u8>) {
        let routing = &self.routing_bytes;
        out.reserve(PREFIX.len() + 16 + routing.len() + self.payload.len() / 2);
        out.extend_from_slice(PREFIX);
        out.push((VERSION << 4) | (security << 2));
        out.push(self.routing.schema.byte());
        let codec_at = out.len();
        out.push(CODEC_STORED);
        varint::write(out, u64::from(self.routing.flags));
        varint::write(out, routing.len() as u64);
        out.extend_from_slice(routing);
        varint::write(out, self.payload.len() as u64);
        out.extend_from_slice(&crc32fast::hash(&self.payload).to_le_bytes());
        let start = out.len();
        if self.payload.len() >= MIN_COMPRESS_INPUT {
            let dict = self.payload.len() < DICT_MAX_INPUT;
            let elided = elide(&self.payload, &self.routing);
            let input = elided.as_deref().unwrap_or(&self.payload);
            if compress::zstd_compress(input, dict, out) && out.len() - start < self.payload.len() {
                let codec = if dict { CODEC_ZSTD_DICT_V1 } else { CODEC_ZSTD };
                out[codec_at] = codec | if elided.is_some() { CODEC_ELIDED } else { 0 };
                return;
            }
            out.truncate(start);
        }
        out.extend_from_slice(&self.payload);
    }

    /// Appends the frame (security 0).
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.write(0, out);
    }

    /// Appends the frame in HMAC mode: HMAC-SHA256 over everything after the prefix.
    pub fn encode_hmac(&self, key: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if key.len() < MIN_HMAC_KEY_LEN {
            return Err(EncodeError::KeyTooShort {
                len: key.len(),
                min: MIN_HMAC_KEY_LEN,
            });
        }
        let mut mac = HmacSha256::new_from_slice(key).map_err(|_| EncodeError::KeyTooShort {
            len: key.len(),
            min: MIN_HMAC_KEY_LEN,
        })?;
        let start = out.len();
        self.write(1, out);
        mac.update(&out[start + PREFIX.len()..]);
        out.extend_from_slice(&mac.finalize().into_bytes());
        Ok(())
    }

    /// Parses the readable header without touching the payload.
    pub fn inspect(frame: &[u8]) -> Result<AetherHeader, DecodeError> {
        let rest = frame
            .strip_prefix(PREFIX)
            .ok_or(DecodeError::BadPrefix { expected: "#M2A|" })?;
        let mut pos = 0;
        let byte = |field: &'static str, pos: &mut usize| -> Result<u8, DecodeError> {
            let b = *rest
                .get(*pos)
                .ok_or(DecodeError::Truncated { field, needed: 1 })?;
            *pos += 1;
            Ok(b)
        };
        let vs = byte("version", &mut pos)?;
        let version = vs >> 4;
        if version != VERSION || vs & 0b11 != 0 {
            return Err(DecodeError::InvalidField {
                field: "version",
                value: format!("{vs:#04x}"),
            });
        }
        let security = (vs >> 2) & 0b11;
        let schema = Schema::from_byte(byte("schema", &mut pos)?);
        let codec = byte("codec", &mut pos)?;
        let flags = varint::read_u64(rest, &mut pos, "flags")?;
        let flags = u16::try_from(flags).map_err(|_| DecodeError::InvalidField {
            field: "flags",
            value: flags.to_string(),
        })?;
        let routing_len = varint::read_u32(rest, &mut pos, "routing_len")? as usize;
        let routing_bytes = rest
            .get(pos..pos + routing_len)
            .ok_or(DecodeError::Truncated {
                field: "routing header",
                needed: (pos + routing_len).saturating_sub(rest.len()),
            })?;
        pos += routing_len;
        let routing = Routing::decode_variable(schema, flags, true, routing_bytes)?;
        let original_len = varint::read_u32(rest, &mut pos, "original_len")? as usize;
        let crc = rest.get(pos..pos + 4).ok_or(DecodeError::Truncated {
            field: "crc32",
            needed: (pos + 4).saturating_sub(rest.len()),
        })?;
        let crc32 = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        pos += 4;
        Ok(AetherHeader {
            version,
            security,
            codec,
            routing,
            original_len,
            crc32,
            payload_offset: PREFIX.len() + pos,
        })
    }

    /// Decodes with default limits and no key.
    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(frame, &Limits::default(), None)
    }

    /// Decodes a frame; `key` is required for HMAC frames.
    pub fn decode_with(
        frame: &[u8],
        limits: &Limits,
        key: Option<&[u8]>,
    ) -> Result<Self, DecodeError> {
        if frame.len() > limits.max_frame {
            return Err(DecodeError::FrameTooLarge {
                len: frame.len(),
                max: limits.max_frame,
            });
        }
        let h = Self::inspect(frame)?;
        let mut end = frame.len();
        match h.security {
            0 => {}
            1 => {
                let Some(key) = key else {
                    return Err(DecodeError::SecurityMode {
                        mode: 1,
                        needs: "an HMAC key",
                    });
                };
                if key.len() < MIN_HMAC_KEY_LEN {
                    return Err(DecodeError::KeyTooShort {
                        len: key.len(),
                        min: MIN_HMAC_KEY_LEN,
                    });
                }
                if frame.len() < h.payload_offset + HMAC_TAG_LEN {
                    return Err(DecodeError::Truncated {
                        field: "hmac tag",
                        needed: HMAC_TAG_LEN,
                    });
                }
                end = frame.len() - HMAC_TAG_LEN;
                let mut mac = HmacSha256::new_from_slice(key).map_err(|_| DecodeError::BadMac)?;
                mac.update(&frame[PREFIX.len()..end]);
                mac.verify_slice(&frame[end..])
                    .map_err(|_| DecodeError::BadMac)?;
            }
            other => {
                return Err(DecodeError::SecurityMode {
                    mode: other,
                    needs: "a known security mode",
                });
            }
        }
        if h.original_len > limits.max_decompressed {
            return Err(DecodeError::DecompressedTooLarge {
                max: limits.max_decompressed,
            });
        }
        let raw = &frame[h.payload_offset..end];
        let elided = h.codec & CODEC_ELIDED != 0;
        let codec = h.codec & !CODEC_ELIDED;
        let payload = match codec {
            CODEC_STORED if elided => return Err(DecodeError::UnknownCodec { codec: h.codec }),
            CODEC_STORED => {
                if raw.len() != h.original_len {
                    return Err(DecodeError::LengthMismatch {
                        field: "original_len",
                        declared: h.original_len,
                        actual: raw.len(),
                    });
                }
                raw.to_vec()
            }
            CODEC_ZSTD_DICT_V1 | CODEC_ZSTD => {
                let dict = codec == CODEC_ZSTD_DICT_V1;
                let text = compress::zstd_decompress(raw, dict, h.original_len, !elided)?;
                if elided {
                    expand(&text, &h.routing, h.original_len)?
                } else {
                    text
                }
            }
            _ => return Err(DecodeError::UnknownCodec { codec: h.codec }),
        };
        let actual = crc32fast::hash(&payload);
        if actual != h.crc32 {
            return Err(DecodeError::ChecksumMismatch {
                expected: h.crc32,
                actual,
            });
        }
        if h.routing.schema != Schema::Custom
            && json::depth_exceeds(&payload, limits.max_json_depth)
        {
            return Err(DecodeError::NestingTooDeep {
                max: limits.max_json_depth,
            });
        }
        let mut routing_bytes = Vec::new();
        h.routing.encode_variable(&mut routing_bytes);
        Ok(Self {
            routing: h.routing,
            routing_bytes,
            payload,
        })
    }
}

/// The quoted strings of the routing header that may be elided, with their marker bytes.
fn elidable(routing: &Routing) -> [(u8, Option<Vec<u8>>); 2] {
    let quoted = |s: &str| {
        // Only strings JSON writes without escapes, so the quoted form is the raw form.
        let plain = !s.is_empty() && s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
        plain.then(|| [b"\"", s.as_bytes(), b"\""].concat())
    };
    match &routing.header {
        RoutingHeader::Request(h) => [(MARK_ID, None), (MARK_MODEL, quoted(&h.model))],
        RoutingHeader::Response(h) => [(MARK_ID, quoted(&h.id)), (MARK_MODEL, quoted(&h.model))],
        RoutingHeader::Opaque => [(MARK_ID, None), (MARK_MODEL, None)],
    }
}

/// Quoted strings shorter than this are left in the text (encoder policy, not format): the
/// dictionary already codes common model names in a byte or two, cheaper than a marker.
const MIN_ELIDE: usize = 24;

/// The payload with the routing strings replaced by marker bytes (id first, then model), or
/// `None` when nothing was replaced or the payload already holds a marker byte (it is not
/// plain JSON then, e.g. a raw SSE event).
fn elide(payload: &[u8], routing: &Routing) -> Option<Vec<u8>> {
    if memchr::memchr2(MARK_ID, MARK_MODEL, payload).is_some() {
        return None;
    }
    let mut cur: Option<Vec<u8>> = None;
    for (mark, needle) in elidable(routing) {
        let Some(needle) = needle.filter(|n| n.len() >= MIN_ELIDE) else {
            continue;
        };
        let src = cur.as_deref().unwrap_or(payload);
        let mut out = Vec::new();
        let mut last = 0;
        // find_iter yields non-overlapping matches, left to right.
        for at in memchr::memmem::find_iter(src, &needle) {
            if out.capacity() == 0 {
                out.reserve(src.len());
            }
            out.extend_from_slice(&src[last..at]);
            out.push(mark);
            last = at + needle.len();
        }
        if last > 0 {
            out.extend_from_slice(&src[last..]);
            cur = Some(out);
        }
    }
    cur
}

/// Reverses [`elide`] (model first, then id), checking that the result is exactly
/// `original_len` bytes before allocating it, so markers cannot inflate past the cap.
fn expand(text: &[u8], routing: &Routing, original_len: usize) -> Result<Vec<u8>, DecodeError> {
    let mut cur = text.to_vec();
    for (mark, needle) in elidable(routing).into_iter().rev() {
        let count = memchr::memchr_iter(mark, &cur).count();
        if count == 0 {
            continue;
        }
        let needle = needle.ok_or(DecodeError::InvalidField {
            field: "elided payload",
            value: format!("marker {mark:#04x} without a routing string"),
        })?;
        let len = count
            .checked_mul(needle.len() - 1)
            .and_then(|grow| grow.checked_add(cur.len()))
            .filter(|len| *len <= original_len)
            .ok_or(DecodeError::LengthMismatch {
                field: "original_len",
                declared: original_len,
                actual: cur
                    .len()
                    .saturating_add(count.saturating_mul(needle.len() - 1)),
            })?;
        let mut out = Vec::with_capacity(len);
        let mut last = 0;
        for at in memchr::memchr_iter(mark, &cur) {
            out.extend_from_slice(&cur[last..at]);
            out.extend_from_slice(&needle);
            last = at + 1;
        }
        out.extend_from_slice(&cur[last..]);
        cur = out;
    }
    if cur.len() != original_len {
        return Err(DecodeError::LengthMismatch {
            field: "original_len",
            declared: original_len,
            actual: cur.len(),
        });
    }
    Ok(cur)
}
