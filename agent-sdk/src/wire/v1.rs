//! M2M v1 (`#M2M|1|`), the interop frame of the reference implementation, binary and text.
//!
//! ```text
//! security 00: "#M2M|1|" | fixed header (20) | variable header | u32 payload_len | u32 crc32 | payload
//! security 01: "#M2M|1|" | fixed header (20) | variable header | u32 payload_len | u32 crc32 | payload | HMAC tag (32)
//! security 02: "#M2M|1|" | fixed header (20) | variable header | nonce (12) | ChaCha20(u32 payload_len | u32 crc32 | payload) | Poly1305 tag (16)
//! ```
//! The fixed header is `u16 header_len, u8 schema, u8 security, u32 flags, 12 reserved bytes`,
//! little-endian; `header_len` counts fixed plus variable header. JSON of
//! [`COMPRESSION_THRESHOLD`] bytes or more is Brotli (quality 5, window 22); the CRC32 is of the
//! original JSON. HMAC mode appends HMAC-SHA256 over everything after the prefix.
//!
//! AEAD mode (security 02, [`V1Frame::encode_aead`], decoded by [`V1Frame::decode_with`] with a
//! 32-byte key) seals `payload_len ‖ crc32 ‖ payload` with ChaCha20-Poly1305 (RFC 8439) under
//! a caller-supplied [`AeadKey`] and a random 12-byte nonce written in clear after the headers.
//! The associated data is the fixed plus variable header, `bytes[7..7 + header_len]`: **the
//! 7-byte `#M2M|1|` prefix is not part of it** (the same span the HMAC mode signs, minus the
//! payload). This was read from the reference implementation's code (infernet-org/m2m-protocol,
//! `src/codec/m2m/frame.rs`, `encode_with_aead` / `decode_with_aead`: `aad =
//! &buf[M2M_PREFIX.len()..header_end]`), not from its written spec; no frame produced by the
//! reference itself was available to test against, so interop rests on that reading. The
//! headers stay readable: [`V1Frame::inspect`] parses the routing header of an AEAD frame
//! without a key (its `payload_len` and `crc32` are `None`: they are encrypted). The text form
//! is the prefix plus base64 of everything after it, as for the other modes. An AEAD frame has
//! no readable length: the ciphertext runs to the end of the frame, so the transport must
//! delimit it ([`V1Frame::check`] refuses AEAD frames). The nonce is random, so with one key
//! the number of frames should stay well below 2^32 (birthday bound of 96-bit nonces).
//!
//! Unlike the reference decoder, [`V1Frame::decode`] rejects bytes after the frame, caps the
//! decompressed size and checks the payload's JSON nesting depth; an AEAD frame whose stored
//! payload would exceed the limit is refused before anything is decrypted.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::compress;
use super::error::{DecodeError, EncodeError};
use super::json;
use super::limits::{
    AEAD_KEY_LEN, AEAD_NONCE_LEN, AEAD_TAG_LEN, HMAC_TAG_LEN, Limits, MAX_HEADER_LEN,
    MAX_INPUT_SIZE, MIN_HMAC_KEY_LEN,
};
use super::routing::{FIXED_HEADER_LEN, Routing, Schema, common_flags};

/// The frame prefix.
pub const PREFIX: &[u8] = b"#M2M|1|";
/// JSON this long or longer is compressed (reference behaviour).
pub const COMPRESSION_THRESHOLD: usize = 100;
/// Security byte: no authentication.
pub const SECURITY_NONE: u8 = 0x00;
/// Security byte: HMAC-SHA256 tag appended.
pub const SECURITY_HMAC: u8 = 0x01;
/// Security byte: ChaCha20-Poly1305, nonce after the headers, payload sealed.
pub const SECURITY_AEAD: u8 = 0x02;

type HmacSha256 = Hmac<Sha256>;

/// A ChaCha20-Poly1305 key for M2M v1 AEAD frames: exactly [`AEAD_KEY_LEN`] (32) bytes,
/// supplied by the caller (how peers agree on it is outside the frame format). `Debug` does
/// not print the key.
#[derive(Clone, PartialEq, Eq)]
pub struct AeadKey([u8; AEAD_KEY_LEN]);

impl AeadKey {
    /// Wraps 32 key bytes.
    pub const fn new(bytes: [u8; AEAD_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// The key from a slice, or `None` unless it is exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; AEAD_KEY_LEN]>::try_from(bytes).ok().map(Self)
    }

    /// The key bytes (to pass to [`V1Frame::decode_with`] or [`super::decompress`]).
    pub fn as_bytes(&self) -> &[u8; AEAD_KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&self.0.into())
    }
}

impl std::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AeadKey(..)")
    }
}

/// Options for building a frame from JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameOptions {
    /// Count request tokens with the model's tokenizer and add a token-count extension record
    /// (slow for large inputs: see [`super::tokens`]). Off by default, as in the reference.
    pub count_tokens: bool,
    /// Mark the frame as a streaming chunk (schema 03) instead of a response.
    pub stream: bool,
}

impl FrameOptions {
    /// Checks the input size and extracts the routing header, as every JSON frame builder does.
    pub(crate) fn routing(self, json_bytes: &[u8]) -> Result<Routing, EncodeError> {
        if json_bytes.len() > MAX_INPUT_SIZE {
            return Err(EncodeError::InputTooLarge {
                len: json_bytes.len(),
                max: MAX_INPUT_SIZE,
            });
        }
        Routing::from_json_bytes(json_bytes, self.stream, self.count_tokens)
    }
}

/// An M2M v1 frame: readable header fields plus the original payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Frame {
    /// Schema byte.
    pub schema: Schema,
    /// Security byte as read (each encoder writes its own: [`SECURITY_NONE`],
    /// [`SECURITY_HMAC`] or [`SECURITY_AEAD`]; this field is not consulted when encoding).
    pub security: u8,
    /// Request/response flags (bytes 4-5 of the fixed header).
    pub flags: u16,
    /// Reserved flag byte (byte 6), kept as read.
    pub flags_reserved: u8,
    /// Common flags (byte 7): [`common_flags`].
    pub common: u8,
    /// Reserved bytes 8-19, kept as read (zero when written by us).
    pub reserved: [u8; 12],
    /// The variable (routing) header bytes exactly as in the frame (private: its length is
    /// checked against `header_len`'s range at construction).
    variable: Vec<u8>,
    /// The original (decompressed) payload.
    payload: Vec<u8>,
}

/// The readable part of a frame, parsed without touching the payload.
#[derive(Debug, Clone, PartialEq)]
pub struct V1Header {
    /// Schema byte.
    pub schema: Schema,
    /// Security byte.
    pub security: u8,
    /// Request/response flags.
    pub flags: u16,
    /// Common flags.
    pub common: u8,
    /// `header_len`.
    pub header_len: usize,
    /// The parsed routing header, or why it could not be parsed (frames from the reference
    /// with its known defects still decode; only their routing header is unreliable).
    pub routing: Result<Routing, DecodeError>,
    /// Compressed payload length (`None` for AEAD frames, where it is encrypted).
    pub payload_len: Option<usize>,
    /// CRC32 of the original payload (`None` for AEAD frames, where it is encrypted).
    pub crc32: Option<u32>,
}

impl V1Frame {
    /// Builds a frame from JSON: classifies it, extracts flags and routing header.
    pub fn from_json(json_bytes: &[u8], opts: FrameOptions) -> Result<Self, EncodeError> {
        let routing = opts.routing(json_bytes)?;
        Self::from_routing(&routing, json_bytes.to_vec())
    }

    /// Builds a frame from an already extracted routing header and the payload bytes.
    pub fn from_routing(routing: &Routing, payload: Vec<u8>) -> Result<Self, EncodeError> {
        let mut variable = Vec::with_capacity(64);
        let mut common = routing.encode_variable(&mut variable);
        if payload.len() > MAX_INPUT_SIZE {
            return Err(EncodeError::InputTooLarge {
                len: payload.len(),
                max: MAX_INPUT_SIZE,
            });
        }
        if FIXED_HEADER_LEN + variable.len() > MAX_HEADER_LEN {
            return Err(EncodeError::HeaderTooLarge {
                len: FIXED_HEADER_LEN + variable.len(),
                max: MAX_HEADER_LEN,
            });
        }
        if payload.len() >= COMPRESSION_THRESHOLD {
            common |= common_flags::COMPRESSED;
        }
        Ok(Self {
            schema: routing.schema,
            security: SECURITY_NONE,
            flags: routing.flags,
            flags_reserved: 0,
            common,
            reserved: [0; 12],
            variable,
            payload,
        })
    }

    /// The variable (routing) header bytes.
    pub fn variable_header(&self) -> &[u8] {
        &self.variable
    }

    /// The original payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the original payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// Parses the routing header of this frame.
    pub fn routing(&self) -> Result<Routing, DecodeError> {
        Routing::decode_variable(
            self.schema,
            self.flags,
            self.common & common_flags::EXTENSIONS != 0,
            &self.variable,
        )
    }

    fn write(&self, security: u8, out: &mut Vec<u8>) {
        out.reserve(PREFIX.len() + FIXED_HEADER_LEN + self.variable.len() + 8 + self.payload.len());
        self.write_headers(security, out);
        self.write_body(out);
    }

    /// Prefix, fixed and variable header.
    fn write_headers(&self, security: u8, out: &mut Vec<u8>) {
        out.extend_from_slice(PREFIX);
        // Checked against MAX_HEADER_LEN in from_routing; decode keeps it from the wire.
        let header_len = (FIXED_HEADER_LEN + self.variable.len()).min(MAX_HEADER_LEN) as u16;
        out.extend_from_slice(&header_len.to_le_bytes());
        out.push(self.schema.byte());
        out.push(security);
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.push(self.flags_reserved);
        out.push(self.common);
        out.extend_from_slice(&self.reserved);
        out.extend_from_slice(&self.variable);
    }

    /// `payload_len ‖ crc32 ‖ payload` (compressed when the flag says so).
    fn write_body(&self, out: &mut Vec<u8>) {
        let len_at = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&crc32fast::hash(&self.payload).to_le_bytes());
        let start = out.len();
        if self.common & common_flags::COMPRESSED != 0 {
            compress::brotli_compress(&self.payload, compress::V1_BROTLI_QUALITY, out);
        } else {
            out.extend_from_slice(&self.payload);
        }
        // Payloads are at most MAX_INPUT_SIZE (16 MiB), so the length fits a u32.
        let payload_len = (out.len() - start) as u32;
        out[len_at..len_at + 4].copy_from_slice(&payload_len.to_le_bytes());
    }

    /// Appends the binary frame (security byte 00).
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.write(SECURITY_NONE, out);
    }

    /// Appends the text form: the prefix, then standard padded base64 of the rest.
    pub fn encode_text(&self, out: &mut Vec<u8>) {
        let mut bin = Vec::new();
        self.write(SECURITY_NONE, &mut bin);
        binary_to_text(&bin, out);
    }

    /// Appends the binary frame in AEAD mode (security byte 02) under `key`, with a fresh
    /// random nonce from the operating system's CSPRNG.
    pub fn encode_aead(&self, key: &AeadKey, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use rand::RngCore as _;
        let mut nonce = [0u8; AEAD_NONCE_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| EncodeError::Encryption {
                reason: format!("drawing the nonce: {e}"),
            })?;
        self.encode_aead_with_nonce(key, &nonce, out)
    }

    /// Appends the binary frame in AEAD mode with the caller's nonce: for test vectors and
    /// deterministic tests. **Never use a nonce twice with the same key** (ChaCha20-Poly1305
    /// then leaks the XOR of the plaintexts and allows forgeries); use [`Self::encode_aead`].
    pub fn encode_aead_with_nonce(
        &self,
        key: &AeadKey,
        nonce: &[u8; AEAD_NONCE_LEN],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let start = out.len();
        out.reserve(
            PREFIX.len()
                + FIXED_HEADER_LEN
                + self.variable.len()
                + AEAD_NONCE_LEN
                + 8
                + self.payload.len()
                + AEAD_TAG_LEN,
        );
        self.write_headers(SECURITY_AEAD, out);
        let headers_end = out.len();
        out.extend_from_slice(nonce);
        let sealed_start = out.len();
        self.write_body(out);
        let (head, body) = out.split_at_mut(sealed_start);
        let aad = &head[start + PREFIX.len()..headers_end];
        match key
            .cipher()
            .encrypt_inout_detached(&Nonce::from(*nonce), aad, body.into())
        {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                Ok(())
            }
            Err(_) => {
                out.truncate(start);
                Err(EncodeError::Encryption {
                    reason: "ChaCha20-Poly1305 refused the message length".into(),
                })
            }
        }
    }

    /// Appends the text form of an AEAD frame (prefix, then base64 of the rest), random nonce.
    pub fn encode_aead_text(&self, key: &AeadKey, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut bin = Vec::new();
        self.encode_aead(key, &mut bin)?;
        binary_to_text(&bin, out);
        Ok(())
    }

    /// Appends the binary frame in HMAC mode (security byte 01, tag over all bytes after the
    /// prefix appended).
    pub fn encode_hmac(&self, key: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut mac = hmac_for(key).map_err(|(len, min)| EncodeError::KeyTooShort { len, min })?;
        let start = out.len();
        self.write(SECURITY_HMAC, out);
        mac.update(&out[start + PREFIX.len()..]);
        out.extend_from_slice(&mac.finalize().into_bytes());
        Ok(())
    }

    /// Decodes a binary frame with default [`Limits`] and no key (HMAC and AEAD frames are
    /// refused with [`DecodeError::SecurityMode`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, &Limits::default(), None)
    }

    /// Decodes a text-form frame with default limits and no key.
    pub fn decode_text(text: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_text_with(text, &Limits::default(), None)
    }

    /// Decodes a text-form frame.
    pub fn decode_text_with(
        text: &[u8],
        limits: &Limits,
        key: Option<&[u8]>,
    ) -> Result<Self, DecodeError> {
        let bin = text_to_binary(text, limits)?;
        Self::decode_with(&bin, limits, key)
    }

    /// Length of the complete frame at the start of `buf`, or `Ok(None)` if more bytes are
    /// needed. Validates only what it needs to find the end.
    pub fn check(buf: &[u8], limits: &Limits) -> Result<Option<usize>, DecodeError> {
        let fixed_end = PREFIX.len() + FIXED_HEADER_LEN;
        let have = buf.len().min(PREFIX.len());
        if buf[..have] != PREFIX[..have] {
            return Err(DecodeError::BadPrefix {
                expected: "#M2M|1|",
            });
        }
        if buf.len() < fixed_end {
            return Ok(None);
        }
        let header_len = usize::from(u16::from_le_bytes([buf[7], buf[8]]));
        if header_len < FIXED_HEADER_LEN {
            return Err(DecodeError::BadHeaderLen {
                header_len,
                min: FIXED_HEADER_LEN,
                available: buf.len() - PREFIX.len(),
            });
        }
        let security = buf[PREFIX.len() + 3];
        if security == SECURITY_AEAD {
            return Err(DecodeError::SecurityMode {
                mode: SECURITY_AEAD,
                needs: "an outer length from the transport (the AEAD frame's length is encrypted)",
            });
        }
        let len_at = PREFIX.len() + header_len;
        let Some(len_bytes) = buf.get(len_at..len_at + 4) else {
            return Ok(None);
        };
        let payload_len =
            u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let tag = if security == SECURITY_HMAC {
            HMAC_TAG_LEN
        } else {
            0
        };
        let total = len_at + 8 + payload_len as usize + tag;
        if total > limits.max_frame {
            return Err(DecodeError::FrameTooLarge {
                len: total,
                max: limits.max_frame,
            });
        }
        Ok(if buf.len() >= total {
            Some(total)
        } else {
            None
        })
    }

    /// Parses the readable header of a binary frame without touching the payload.
    pub fn inspect(bytes: &[u8]) -> Result<V1Header, DecodeError> {
        let (header, _) = parse_header(bytes)?;
        Ok(header)
    }

    /// Decodes a binary frame. `key` is required for HMAC frames (at least
    /// [`MIN_HMAC_KEY_LEN`] bytes) and for AEAD frames (exactly [`AEAD_KEY_LEN`] bytes: see
    /// [`AeadKey::as_bytes`]); it is ignored for frames with security byte 00.
    ///
    /// An AEAD frame is authenticated before anything of its payload is used: a wrong key or
    /// any altered byte after the prefix gives [`DecodeError::AeadAuthFailed`], a frame too
    /// short to hold nonce, sealed length and CRC, and tag gives [`DecodeError::Truncated`].
    pub fn decode_with(
        bytes: &[u8],
        limits: &Limits,
        key: Option<&[u8]>,
    ) -> Result<Self, DecodeError> {
        if bytes.len() > limits.max_frame {
            return Err(DecodeError::FrameTooLarge {
                len: bytes.len(),
                max: limits.max_frame,
            });
        }
        let (header, body) = parse_header(bytes)?;
        let compressed = header.common & common_flags::COMPRESSED != 0;
        let opened;
        let (crc, raw) = match header.security {
            SECURITY_NONE | SECURITY_HMAC => {
                let frame_end = if header.security == SECURITY_HMAC {
                    verify_hmac(bytes, key)?
                } else {
                    bytes.len()
                };
                let (payload_len, crc) = match (header.payload_len, header.crc32) {
                    (Some(l), Some(c)) => (l, c),
                    _ => {
                        return Err(DecodeError::Truncated {
                            field: "payload_len",
                            needed: 8,
                        });
                    }
                };
                let payload_start = body;
                let payload_end = payload_start
                    .checked_add(payload_len)
                    .filter(|end| *end <= frame_end)
                    .ok_or(DecodeError::Truncated {
                        field: "payload",
                        needed: (payload_start + payload_len).saturating_sub(frame_end),
                    })?;
                if payload_end < frame_end {
                    return Err(DecodeError::TrailingBytes {
                        extra: frame_end - payload_end,
                    });
                }
                (crc, &bytes[payload_start..payload_end])
            }
            SECURITY_AEAD => {
                let Some(key) = key else {
                    return Err(DecodeError::SecurityMode {
                        mode: SECURITY_AEAD,
                        needs: "a 32-byte ChaCha20-Poly1305 key",
                    });
                };
                let key = AeadKey::from_slice(key).ok_or(DecodeError::AeadKeyLength {
                    len: key.len(),
                    expected: AEAD_KEY_LEN,
                })?;
                opened = open_aead(bytes, header.header_len, &key, compressed, limits)?;
                let (len_crc, raw) = opened.split_at(8);
                let payload_len =
                    u32::from_le_bytes([len_crc[0], len_crc[1], len_crc[2], len_crc[3]]) as usize;
                if payload_len != raw.len() {
                    return Err(DecodeError::LengthMismatch {
                        field: "payload_len",
                        declared: payload_len,
                        actual: raw.len(),
                    });
                }
                (
                    u32::from_le_bytes([len_crc[4], len_crc[5], len_crc[6], len_crc[7]]),
                    raw,
                )
            }
            other => {
                return Err(DecodeError::SecurityMode {
                    mode: other,
                    needs: "a security mode this build knows (00 none, 01 HMAC-SHA256, 02 ChaCha20-Poly1305)",
                });
            }
        };
        let payload = if compressed {
            compress::brotli_decompress(raw, limits.max_decompressed)?
        } else {
            if raw.len() > limits.max_decompressed {
                return Err(DecodeError::DecompressedTooLarge {
                    max: limits.max_decompressed,
                });
            }
            raw.to_vec()
        };
        let actual = crc32fast::hash(&payload);
        if actual != crc {
            return Err(DecodeError::ChecksumMismatch {
                expected: crc,
                actual,
            });
        }
        if header.schema != Schema::Custom && json::depth_exceeds(&payload, limits.max_json_depth) {
            return Err(DecodeError::NestingTooDeep {
                max: limits.max_json_depth,
            });
        }
        let p = PREFIX.len();
        let mut reserved = [0u8; 12];
        reserved.copy_from_slice(&bytes[p + 8..p + 20]);
        Ok(Self {
            schema: header.schema,
            security: header.security,
            flags: header.flags,
            flags_reserved: bytes[p + 6],
            common: header.common,
            reserved,
            variable: bytes[p + FIXED_HEADER_LEN..p + header.header_len].to_vec(),
            payload,
        })
    }
}

/// Appends the text form of a binary frame `bin` (which starts with the prefix): the prefix,
/// then standard padded base64 of everything after it. Any security mode.
pub fn binary_to_text(bin: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(PREFIX);
    let rest = bin.get(PREFIX.len()..).unwrap_or_default();
    out.extend_from_slice(BASE64.encode(rest).as_bytes());
}

/// Converts a text-form frame to the binary form (prefix kept).
pub fn text_to_binary(text: &[u8], limits: &Limits) -> Result<Vec<u8>, DecodeError> {
    if text.len() > limits.max_frame {
        return Err(DecodeError::FrameTooLarge {
            len: text.len(),
            max: limits.max_frame,
        });
    }
    let b64 = text.strip_prefix(PREFIX).ok_or(DecodeError::BadPrefix {
        expected: "#M2M|1|",
    })?;
    let mut bin = PREFIX.to_vec();
    BASE64
        .decode_vec(b64, &mut bin)
        .map_err(|e| DecodeError::BadBase64 {
            reason: e.to_string(),
        })?;
    Ok(bin)
}

/// Verifies the HMAC tag of an HMAC frame; returns where the tag starts.
fn verify_hmac(bytes: &[u8], key: Option<&[u8]>) -> Result<usize, DecodeError> {
    let Some(key) = key else {
        return Err(DecodeError::SecurityMode {
            mode: SECURITY_HMAC,
            needs: "an HMAC key",
        });
    };
    let mut mac = hmac_for(key).map_err(|(len, min)| DecodeError::KeyTooShort { len, min })?;
    if bytes.len() < PREFIX.len() + HMAC_TAG_LEN {
        return Err(DecodeError::Truncated {
            field: "hmac tag",
            needed: HMAC_TAG_LEN,
        });
    }
    let frame_end = bytes.len() - HMAC_TAG_LEN;
    mac.update(&bytes[PREFIX.len()..frame_end]);
    mac.verify_slice(&bytes[frame_end..])
        .map_err(|_| DecodeError::BadMac)?;
    Ok(frame_end)
}

/// Authenticates and decrypts the sealed part of an AEAD frame; returns
/// `payload_len ‖ crc32 ‖ payload` (at least 8 bytes). The associated data is
/// `bytes[PREFIX.len()..PREFIX.len() + header_len]` (fixed and variable header, not the prefix).
fn open_aead(
    bytes: &[u8],
    header_len: usize,
    key: &AeadKey,
    compressed: bool,
    limits: &Limits,
) -> Result<Vec<u8>, DecodeError> {
    let headers_end = PREFIX.len() + header_len;
    let sealed_start = headers_end + AEAD_NONCE_LEN;
    let min = sealed_start + 8 + AEAD_TAG_LEN;
    if bytes.len() < min {
        return Err(DecodeError::Truncated {
            field: "aead nonce, sealed payload_len and crc32, tag",
            needed: min - bytes.len(),
        });
    }
    let tag_start = bytes.len() - AEAD_TAG_LEN;
    // A stored payload is as long as its ciphertext: refuse it before allocating. (The frame
    // itself was already checked against `max_frame`, which bounds the copy below.)
    if !compressed && tag_start - sealed_start - 8 > limits.max_decompressed {
        return Err(DecodeError::DecompressedTooLarge {
            max: limits.max_decompressed,
        });
    }
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    nonce.copy_from_slice(&bytes[headers_end..sealed_start]);
    let mut tag = [0u8; AEAD_TAG_LEN];
    tag.copy_from_slice(&bytes[tag_start..]);
    let mut sealed = bytes[sealed_start..tag_start].to_vec();
    key.cipher()
        .decrypt_inout_detached(
            &Nonce::from(nonce),
            &bytes[PREFIX.len()..headers_end],
            sealed.as_mut_slice().into(),
            &Tag::from(tag),
        )
        .map_err(|_| DecodeError::AeadAuthFailed)?;
    Ok(sealed)
}

fn hmac_for(key: &[u8]) -> Result<HmacSha256, (usize, usize)> {
    if key.len() < MIN_HMAC_KEY_LEN {
        return Err((key.len(), MIN_HMAC_KEY_LEN));
    }
    HmacSha256::new_from_slice(key).map_err(|_| (key.len(), MIN_HMAC_KEY_LEN))
}

/// Parses prefix, fixed and variable header; returns the header and the payload offset (for
/// AEAD frames, where the nonce starts).
fn parse_header(bytes: &[u8]) -> Result<(V1Header, usize), DecodeError> {
    let p = PREFIX.len();
    if !bytes.starts_with(PREFIX) {
        return Err(DecodeError::BadPrefix {
            expected: "#M2M|1|",
        });
    }
    let fixed = bytes
        .get(p..p + FIXED_HEADER_LEN)
        .ok_or(DecodeError::Truncated {
            field: "fixed header",
            needed: (p + FIXED_HEADER_LEN).saturating_sub(bytes.len()),
        })?;
    let header_len = usize::from(u16::from_le_bytes([fixed[0], fixed[1]]));
    let available = bytes.len() - p;
    if header_len < FIXED_HEADER_LEN || header_len > available {
        return Err(DecodeError::BadHeaderLen {
            header_len,
            min: FIXED_HEADER_LEN,
            available,
        });
    }
    let schema = Schema::from_byte(fixed[2]);
    let security = fixed[3];
    let flags = u16::from_le_bytes([fixed[4], fixed[5]]);
    let common = fixed[7];
    let variable = &bytes[p + FIXED_HEADER_LEN..p + header_len];
    let routing = Routing::decode_variable(
        schema,
        flags,
        common & common_flags::EXTENSIONS != 0,
        variable,
    );
    let body = p + header_len;
    let (payload_len, crc32) = if security == SECURITY_AEAD {
        // Encrypted; what follows the headers is the nonce, ciphertext and tag.
        (None, None)
    } else {
        let pl = bytes.get(body..body + 8).ok_or(DecodeError::Truncated {
            field: "payload_len and crc32",
            needed: (body + 8).saturating_sub(bytes.len()),
        })?;
        (
            Some(u32::from_le_bytes([pl[0], pl[1], pl[2], pl[3]]) as usize),
            Some(u32::from_le_bytes([pl[4], pl[5], pl[6], pl[7]])),
        )
    };
    let header = V1Header {
        schema,
        security,
        flags,
        common,
        header_len,
        routing,
        payload_len,
        crc32,
    };
    let payload_offset = if security == SECURITY_AEAD {
        body
    } else {
        body + 8
    };
    Ok((header, payload_offset))
}
