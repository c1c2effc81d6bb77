//! Named maxima for every length the wire formats carry, and the [`Limits`] a decoder enforces.
//!
//! Decoders never trust a declared length: declared sizes only bound allocations (never widen
//! them), decompression stops at [`Limits::max_decompressed`], and a frame larger than
//! [`Limits::max_frame`] is refused before anything is parsed.

/// Largest frame (binary or text form) a decoder accepts by default: 24 MiB.
pub const MAX_FRAME_SIZE: usize = 24 * 1024 * 1024;
/// Largest payload a decoder inflates to by default: 16 MiB.
pub const MAX_DECOMPRESSED_SIZE: usize = 16 * 1024 * 1024;
/// Largest input an encoder accepts: the decompression limit, so that every frame we write
/// can be read back by a peer with default limits.
pub const MAX_INPUT_SIZE: usize = MAX_DECOMPRESSED_SIZE;
/// Deepest JSON nesting (objects and arrays) accepted on encode and decode.
pub const MAX_JSON_DEPTH: usize = 64;
/// M2M v1 `header_len` is a u16: fixed plus variable header can never exceed this.
pub const MAX_HEADER_LEN: usize = u16::MAX as usize;
/// Model names and response ids carry a u8 length: longer values are truncated (at a UTF-8
/// boundary) in the routing header; the payload keeps them whole.
pub const MAX_SHORT_STRING_LEN: usize = u8::MAX as usize;
/// Longest LEB128 varint for a u32 value.
pub const MAX_VARINT32_LEN: usize = 5;
/// Longest LEB128 varint for a u64 value.
pub const MAX_VARINT64_LEN: usize = 10;
/// Shortest HMAC key accepted (same minimum as the reference implementation).
pub const MIN_HMAC_KEY_LEN: usize = 16;
/// HMAC-SHA256 tag length.
pub const HMAC_TAG_LEN: usize = 32;
/// ChaCha20-Poly1305 key length (M2M v1 AEAD mode): exactly this many bytes.
pub const AEAD_KEY_LEN: usize = 32;
/// ChaCha20-Poly1305 nonce length, written in clear after the routing header.
pub const AEAD_NONCE_LEN: usize = 12;
/// Poly1305 tag length, appended after the ciphertext.
pub const AEAD_TAG_LEN: usize = 16;
/// Largest zstd window a decoder will allocate (2^24 = 16 MiB, matching the payload limit).
pub const MAX_ZSTD_WINDOW_LOG: u32 = 24;

/// Limits a decoder enforces. [`Limits::default`] uses the constants above; a gateway may
/// lower them per peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame accepted, in bytes.
    pub max_frame: usize,
    /// Largest decompressed payload, in bytes.
    pub max_decompressed: usize,
    /// Deepest JSON nesting in a decoded payload (checked by a byte scan, no parse).
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame: MAX_FRAME_SIZE,
            max_decompressed: MAX_DECOMPRESSED_SIZE,
            max_json_depth: MAX_JSON_DEPTH,
        }
    }
}
