//! The reference's text formats: Brotli (`#M2M[v3.0]|DATA:`) and TokenNative (`#TK|C|`,
//! `#TK|O|`, `#TK|L|`). Both carry base64 and need UTF-8 input, as the reference does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::compress;
use super::error::{DecodeError, EncodeError};
use super::limits::{Limits, MAX_INPUT_SIZE};
use super::tokens::Tokenizer;
use super::varint;

/// Prefix of the Brotli text format.
pub const BROTLI_PREFIX: &[u8] = b"#M2M[v3.0]|DATA:";
/// Prefix shared by the TokenNative forms (`#TK|<id>|`).
pub const TOKEN_PREFIX: &[u8] = b"#TK|";
/// Tokens detokenised per step while decoding, so output is checked against the cap often.
const DETOKENIZE_CHUNK: usize = 4096;

fn check_input(input: &[u8]) -> Result<(), EncodeError> {
    if input.len() > MAX_INPUT_SIZE {
        return Err(EncodeError::InputTooLarge {
            len: input.len(),
            max: MAX_INPUT_SIZE,
        });
    }
    std::str::from_utf8(input)
        .map(|_| ())
        .map_err(|e| EncodeError::NotUtf8 {
            offset: e.valid_up_to(),
        })
}

fn check_frame(frame: &[u8], limits: &Limits) -> Result<(), DecodeError> {
    if frame.len() > limits.max_frame {
        return Err(DecodeError::FrameTooLarge {
            len: frame.len(),
            max: limits.max_frame,
        });
    }
    Ok(())
}

fn b64(data: &[u8]) -> Result<Vec<u8>, DecodeError> {
    BASE64.decode(data).map_err(|e| DecodeError::BadBase64 {
        reason: e.to_string(),
    })
}

/// A `#M2M[v3.0]|DATA:` frame: Brotli quality 11, window 22, base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrotliFrame {
    /// The original text.
    pub payload: Vec<u8>,
}

impl BrotliFrame {
    /// Wraps UTF-8 text.
    pub fn new(text: &[u8]) -> Result<Self, EncodeError> {
        check_input(text)?;
        Ok(Self {
            payload: text.to_vec(),
        })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut z = Vec::with_capacity(self.payload.len() / 3 + 16);
        compress::brotli_compress(&self.payload, compress::V3_BROTLI_QUALITY, &mut z);
        out.extend_from_slice(BROTLI_PREFIX);
        out.extend_from_slice(BASE64.encode(&z).as_bytes());
    }

    /// Decodes with default limits.
    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(frame, &Limits::default())
    }

    /// Decodes, capping the decompressed size.
    pub fn decode_with(frame: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        check_frame(frame, limits)?;
        let body = frame
            .strip_prefix(BROTLI_PREFIX)
            .ok_or(DecodeError::BadPrefix {
                expected: "#M2M[v3.0]|DATA:",
            })?;
        let payload = compress::brotli_decompress(&b64(body)?, limits.max_decompressed)?;
        std::str::from_utf8(&payload).map_err(|_| DecodeError::NotUtf8)?;
        Ok(Self { payload })
    }
}

/// Tokenizer id character of a TokenNative frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenId {
    /// `C`: cl100k.
    C,
    /// `O`: o200k.
    O,
    /// `L`: "Llama" in the reference, which in practice also uses cl100k.
    L,
}

impl TokenId {
    fn tokenizer(self) -> Tokenizer {
        match self {
            TokenId::C | TokenId::L => Tokenizer::Cl100k,
            TokenId::O => Tokenizer::O200k,
        }
    }

    fn byte(self) -> u8 {
        match self {
            TokenId::C => b'C',
            TokenId::O => b'O',
            TokenId::L => b'L',
        }
    }

    /// The id a tokenizer is written with.
    pub fn for_tokenizer(t: Tokenizer) -> Self {
        match t {
            Tokenizer::Cl100k => TokenId::C,
            Tokenizer::O200k => TokenId::O,
        }
    }
}

/// A TokenNative frame: `#TK|<id>|` + base64 of LEB128 token ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFrame {
    /// Tokenizer id.
    pub id: TokenId,
    /// The original text.
    pub payload: Vec<u8>,
}

impl TokenFrame {
    /// Wraps UTF-8 text for tokenizer `id`.
    pub fn new(id: TokenId, text: &[u8]) -> Result<Self, EncodeError> {
        check_input(text)?;
        Ok(Self {
            id,
            payload: text.to_vec(),
        })
    }

    /// Appends the frame (tokenises the text; the vocabulary is built on first use).
    pub fn encode(&self, out: &mut Vec<u8>) {
        // new() checked UTF-8; a frame built by hand with other bytes encodes as empty text.
        let text = std::str::from_utf8(&self.payload).unwrap_or("");
        let tokens = self.id.tokenizer().bpe().encode_with_special_tokens(text);
        let mut v = Vec::with_capacity(tokens.len() * 2);
        for t in tokens {
            varint::write(&mut v, u64::from(t));
        }
        out.extend_from_slice(TOKEN_PREFIX);
        out.push(self.id.byte());
        out.push(b'|');
        out.extend_from_slice(BASE64.encode(&v).as_bytes());
    }

    /// Decodes with default limits.
    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(frame, &Limits::default())
    }

    /// Decodes, capping the detokenised size.
    pub fn decode_with(frame: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        check_frame(frame, limits)?;
        let rest = frame
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(DecodeError::BadPrefix { expected: "#TK|" })?;
        let (&id, rest) = rest.split_first().ok_or(DecodeError::Truncated {
            field: "tokenizer id",
            needed: 1,
        })?;
        let id = match id {
            b'C' => TokenId::C,
            b'O' => TokenId::O,
            b'L' => TokenId::L,
            other => {
                return Err(DecodeError::UnknownTokenizer {
                    id: char::from(other),
                });
            }
        };
        let body = rest.strip_prefix(b"|").ok_or(DecodeError::BadPrefix {
            expected: "#TK|<id>|",
        })?;
        let raw = b64(body)?;
        let tokenizer = id.tokenizer();
        let bpe = tokenizer.bpe();
        let mut payload = Vec::new();
        let mut tokens = Vec::with_capacity(DETOKENIZE_CHUNK);
        let mut pos = 0;
        // Token ids are read and detokenised a chunk at a time, so memory stays within the cap
        // plus one chunk whatever the frame holds.
        while pos < raw.len() {
            tokens.clear();
            while pos < raw.len() && tokens.len() < DETOKENIZE_CHUNK {
                tokens.push(varint::read_u32(&raw, &mut pos, "token id")?);
            }
            let bytes = bpe
                .decode_bytes(&tokens)
                .map_err(|e| DecodeError::UnknownToken {
                    token: e.token,
                    tokenizer: tokenizer.name(),
                })?;
            if payload.len() + bytes.len() > limits.max_decompressed {
                return Err(DecodeError::DecompressedTooLarge {
                    max: limits.max_decompressed,
                });
            }
            payload.extend_from_slice(&bytes);
        }
        std::str::from_utf8(&payload).map_err(|_| DecodeError::NotUtf8)?;
        Ok(Self { id, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_native_reference_vector() {
        // From m2m-wire.md: "Hello, world!" -> #TK|C|sk0L/Q4A
        let mut out = Vec::new();
        TokenFrame::new(TokenId::C, b"Hello, world!")
            .unwrap()
            .encode(&mut out);
        assert_eq!(out, b"#TK|C|sk0L/Q4A");
        assert_eq!(
            TokenFrame::decode(b"#TK|C|sk0L/Q4A").unwrap().payload,
            b"Hello, world!"
        );
        assert_eq!(
            TokenFrame::decode(b"#TK|L|sk0L/Q4A").unwrap().payload,
            b"Hello, world!"
        );
    }
}
