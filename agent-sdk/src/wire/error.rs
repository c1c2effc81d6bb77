//! Errors of the wire layer: one enum for encoding, one for decoding.
//!
//! Every variant says when it happens and carries the values that explain it, so a log line
//! or a CLI message is enough to see what was wrong with a frame.

use thiserror::Error;

/// Why a value could not be turned into a frame.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum EncodeError {
    /// The input is larger than the codec accepts ([`super::limits::MAX_INPUT_SIZE`] or the
    /// configured limit).
    #[error("input of {len} bytes exceeds the maximum of {max} bytes")]
    InputTooLarge {
        /// Input length in bytes.
        len: usize,
        /// Maximum accepted input length.
        max: usize,
    },
    /// The format needs JSON (M2M v1, Aether) and the input is not valid JSON.
    #[error("input is not valid JSON at line {line} column {column}: {reason}")]
    InvalidJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description.
        reason: String,
    },
    /// The JSON nests objects/arrays deeper than the limit.
    #[error("JSON nesting depth exceeds the maximum of {max}")]
    NestingTooDeep {
        /// Maximum nesting depth.
        max: usize,
    },
    /// The format carries text (TokenNative, Brotli text form) and the input is not UTF-8.
    #[error("input is not UTF-8 (first invalid byte at offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The routing header would exceed the 16-bit `header_len` field of M2M v1.
    #[error("routing header of {len} bytes exceeds the maximum of {max} bytes")]
    HeaderTooLarge {
        /// Header length that would have been written.
        len: usize,
        /// Maximum header length.
        max: usize,
    },
    /// The HMAC key is shorter than [`super::limits::MIN_HMAC_KEY_LEN`].
    #[error("HMAC key of {len} bytes is shorter than the minimum of {min} bytes")]
    KeyTooShort {
        /// Key length in bytes.
        len: usize,
        /// Minimum key length.
        min: usize,
    },
    /// The compressor failed (zstd could not allocate its context).
    #[error("compression failed: {reason}")]
    Compression {
        /// zstd's description.
        reason: String,
    },
    /// AEAD encryption was asked for a format that does not define it (only M2M v1 binary and
    /// text forms have an AEAD mode).
    #[error("AEAD encryption is only defined for M2M v1 frames (m2m, m2m-text), not {algorithm}")]
    AeadUnsupported {
        /// The requested algorithm, rendered.
        algorithm: String,
    },
    /// Sealing an AEAD frame failed: the operating system's random source failed while drawing
    /// the nonce, or the cipher refused the message length.
    #[error("AEAD encryption failed: {reason}")]
    Encryption {
        /// What failed.
        reason: String,
    },
}

/// Why bytes could not be read as a frame.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame is larger than the decoder accepts.
    #[error("frame of {len} bytes exceeds the maximum of {max} bytes")]
    FrameTooLarge {
        /// Frame length in bytes.
        len: usize,
        /// Maximum frame length.
        max: usize,
    },
    /// The bytes do not start with the prefix of the format asked for.
    #[error("missing prefix {expected:?}")]
    BadPrefix {
        /// The prefix that was expected.
        expected: &'static str,
    },
    /// The frame ends before a field that must be there.
    #[error("frame truncated while reading {field}: need {needed} more bytes")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// How many more bytes were needed (at least).
        needed: usize,
    },
    /// Bytes follow the end of a complete frame.
    #[error("{extra} trailing bytes after the end of the frame")]
    TrailingBytes {
        /// Number of bytes after the frame.
        extra: usize,
    },
    /// A header field has a value the format does not allow.
    #[error("invalid {field}: {value}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// The offending value, rendered.
        value: String,
    },
    /// `header_len` is smaller than the fixed header or runs past the frame.
    #[error("header_len {header_len} is invalid (minimum {min}, bytes available {available})")]
    BadHeaderLen {
        /// The declared header length.
        header_len: usize,
        /// The fixed header size.
        min: usize,
        /// Bytes available for the header.
        available: usize,
    },
    /// A LEB128 varint is longer than its type allows or is cut off.
    #[error("invalid varint in {field}")]
    BadVarint {
        /// The field being read.
        field: &'static str,
    },
    /// The payload inflates past the decompression limit (decompression bomb or misconfigured
    /// peer). Decompression stops at the limit; nothing larger is allocated.
    #[error("payload decompresses to more than {max} bytes")]
    DecompressedTooLarge {
        /// The decompression limit in bytes.
        max: usize,
    },
    /// A length declared in the header disagrees with the data.
    #[error("declared {field} of {declared} bytes but found {actual}")]
    LengthMismatch {
        /// The field.
        field: &'static str,
        /// Declared length.
        declared: usize,
        /// Actual length.
        actual: usize,
    },
    /// The compressed payload is corrupt.
    #[error("{codec} payload is corrupt: {reason}")]
    Corrupt {
        /// The compression codec (`brotli`, `zstd`).
        codec: &'static str,
        /// The decompressor's description.
        reason: String,
    },
    /// The CRC32 of the decoded payload differs from the one in the frame.
    #[error("checksum mismatch: frame says {expected:08x}, payload has {actual:08x}")]
    ChecksumMismatch {
        /// CRC32 carried by the frame.
        expected: u32,
        /// CRC32 of the decoded payload.
        actual: u32,
    },
    /// Base64 in a text form is malformed.
    #[error("invalid base64: {reason}")]
    BadBase64 {
        /// The decoder's description.
        reason: String,
    },
    /// The decoded payload (or a TokenNative detokenisation) is not UTF-8 where text is required.
    #[error("payload is not UTF-8")]
    NotUtf8,
    /// A TokenNative frame names a tokenizer this build does not know.
    #[error("unknown tokenizer id {id:?}")]
    UnknownTokenizer {
        /// The tokenizer id character.
        id: char,
    },
    /// A TokenNative frame holds a token id that the vocabulary does not have.
    #[error("token id {token} is not in the {tokenizer} vocabulary")]
    UnknownToken {
        /// The token id.
        token: u32,
        /// The vocabulary name.
        tokenizer: &'static str,
    },
    /// The decoded payload nests JSON deeper than the limit.
    #[error("payload JSON nesting depth exceeds the maximum of {max}")]
    NestingTooDeep {
        /// Maximum nesting depth.
        max: usize,
    },
    /// The frame is authenticated (HMAC) or encrypted (AEAD) and no key was given, or it uses
    /// a security mode this build does not know (03 and above), or (from
    /// [`super::V1Frame::check`]) an AEAD frame's end cannot be found from its header.
    #[error("security mode {mode:#04x} needs {needs}")]
    SecurityMode {
        /// The security byte of the frame.
        mode: u8,
        /// What is needed to read it.
        needs: &'static str,
    },
    /// The HMAC tag does not match the frame under the given key.
    #[error("HMAC verification failed")]
    BadMac,
    /// The HMAC key is shorter than [`super::limits::MIN_HMAC_KEY_LEN`].
    #[error("HMAC key of {len} bytes is shorter than the minimum of {min} bytes")]
    KeyTooShort {
        /// Key length in bytes.
        len: usize,
        /// Minimum key length.
        min: usize,
    },
    /// The frame is AEAD-encrypted and the key given is not
    /// [`super::limits::AEAD_KEY_LEN`] (32) bytes long.
    #[error("AEAD key of {len} bytes is not {expected} bytes long")]
    AeadKeyLength {
        /// Key length in bytes.
        len: usize,
        /// Required key length.
        expected: usize,
    },
    /// ChaCha20-Poly1305 authentication failed: the key is wrong, or a byte of the headers,
    /// nonce, ciphertext or tag was altered. Nothing of the payload is returned.
    #[error("AEAD authentication failed (wrong key, or the frame was altered)")]
    AeadAuthFailed,
    /// The Aether frame was compressed with a dictionary this build does not ship.
    #[error("unknown payload codec {codec:#04x}")]
    UnknownCodec {
        /// The codec byte.
        codec: u8,
    },
}
