//! Compression back ends with decompression caps.
//!
//! Decompression never allocates more than the cap (plus one byte to detect overflow): Brotli
//! is streamed through `Read::take`; zstd decompresses into a buffer whose capacity is the
//! smaller of the declared size and the cap, so a lying header can only make it fail.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::sync::OnceLock;

use zstd::dict::{DecoderDictionary, EncoderDictionary};

use super::error::DecodeError;
use super::limits::MAX_ZSTD_WINDOW_LOG;

/// Brotli quality the M2M v1 payload uses (reference: 5).
pub const V1_BROTLI_QUALITY: u32 = 5;
/// Brotli quality of the `#M2M[v3.0]|DATA:` format (reference: 11).
pub const V3_BROTLI_QUALITY: u32 = 11;
/// Brotli window (log2) of both reference formats.
pub const BROTLI_LGWIN: u32 = 22;
/// Buffer size handed to the Brotli stream adapters (as in the reference).
const BROTLI_BUFFER: usize = 4096;

/// Compresses with Brotli at `quality`, window [`BROTLI_LGWIN`].
pub fn brotli_compress(data: &[u8], quality: u32, out: &mut Vec<u8>) {
    let mut w = brotli::CompressorWriter::new(out, BROTLI_BUFFER, quality, BROTLI_LGWIN);
    // Writing into a Vec cannot fail. No flush: dropping the writer finishes the stream, as
    // the reference does (a flush would add an empty meta-block byte).
    let _ = w.write_all(data);
}

/// Decompresses Brotli, failing with [`DecodeError::DecompressedTooLarge`] past `max` bytes.
pub fn brotli_decompress(data: &[u8], max: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(max));
    let reader = brotli::Decompressor::new(data, BROTLI_BUFFER);
    reader
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Corrupt {
            codec: "brotli",
            reason: e.to_string(),
        })?;
    if out.len() > max {
        return Err(DecodeError::DecompressedTooLarge { max });
    }
    Ok(out)
}

/// The dictionary shipped in the crate (see `agent-sdk/dict/README.md` for its provenance).
pub const AETHER_DICT_V1: &[u8] = include_bytes!("../../dict/aether-llm-v1.zdict");

/// zstd level used by Aether frames with the dictionary.
pub const ZSTD_LEVEL: i32 = 3;

/// The zstd frame magic number (stripped from Aether payloads, 4 bytes saved per frame).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

fn encoder_dict() -> &'static EncoderDictionary<'static> {
    static D: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| EncoderDictionary::copy(AETHER_DICT_V1, ZSTD_LEVEL))
}

fn decoder_dict() -> &'static DecoderDictionary<'static> {
    static D: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| DecoderDictionary::copy(AETHER_DICT_V1))
}

/// Scratch buffers larger than this are released after use.
const SCRATCH_KEEP: usize = 1 << 20;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static CCTX_DICT: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static CCTX_PLAIN: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DCTX_DICT: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
    static DCTX_PLAIN: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

fn new_compressor(dict: bool) -> std::io::Result<zstd::bulk::Compressor<'static>> {
    use zstd::zstd_safe::CParameter;
    let mut c = if dict {
        zstd::bulk::Compressor::with_prepared_dictionary(encoder_dict())?
    } else {
        zstd::bulk::Compressor::new(ZSTD_LEVEL)?
    };
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    c.set_parameter(CParameter::ContentSizeFlag(false))?;
    Ok(c)
}

fn new_decompressor(dict: bool) -> std::io::Result<zstd::bulk::Decompressor<'static>> {
    use zstd::zstd_safe::DParameter;
    let mut d = if dict {
        zstd::bulk::Decompressor::with_prepared_dictionary(decoder_dict())?
    } else {
        zstd::bulk::Decompressor::new()?
    };
    d.set_parameter(DParameter::WindowLogMax(MAX_ZSTD_WINDOW_LOG))?;
    Ok(d)
}

/// Compresses with zstd (with or without the shipped dictionary), appending a frame without
/// its magic number, checksum, dictionary id or content size (the Aether header carries the
/// CRC32 and the original length). Returns `false` if zstd failed (then nothing is appended).
pub fn zstd_compress(data: &[u8], dict: bool, out: &mut Vec<u8>) -> bool {
    let cell = if dict { &CCTX_DICT } else { &CCTX_PLAIN };
    cell.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = new_compressor(dict).ok();
        }
        let Some(c) = slot.as_mut() else { return false };
        // `compress_to_buffer` writes a Vec from its start, so compress into a scratch buffer.
        SCRATCH.with(|scratch| {
            let mut tmp = scratch.borrow_mut();
            tmp.clear();
            tmp.reserve(zstd::zstd_safe::compress_bound(data.len()));
            match c.compress_to_buffer(data, &mut *tmp) {
                Ok(n) if n >= 4 && tmp[..4] == ZSTD_MAGIC => {
                    out.extend_from_slice(&tmp[4..n]);
                    if tmp.capacity() > SCRATCH_KEEP {
                        *tmp = Vec::new();
                    }
                    true
                }
                _ => false,
            }
        })
    })
}

/// Declared sizes up to this are decompressed in one call into a buffer of that size; larger
/// ones are streamed so memory follows the bytes actually produced, not the declaration.
const ZSTD_BULK_MAX: usize = 256 * 1024;

/// Decompresses a magic-less zstd frame of `expected` bytes (the length the header declares,
/// already checked against the cap), or at most `expected` when `exact` is false. A frame that
/// inflates to more fails without writing past `expected + 1` bytes.
pub fn zstd_decompress(
    data: &[u8],
    dict: bool,
    expected: usize,
    exact: bool,
) -> Result<Vec<u8>, DecodeError> {
    let fits = |n: usize| if exact { n == expected } else { n <= expected };
    let corrupt = |e: std::io::Error| DecodeError::Corrupt {
        codec: "zstd",
        reason: e.to_string(),
    };
    let mismatch = |actual: usize| DecodeError::LengthMismatch {
        field: "original_len",
        declared: expected,
        actual,
    };
    if expected > ZSTD_BULK_MAX {
        let reader = ZSTD_MAGIC.chain(data);
        let mut dec = if dict {
            zstd::stream::read::Decoder::with_prepared_dictionary(
                std::io::BufReader::new(reader),
                decoder_dict(),
            )
        } else {
            zstd::stream::read::Decoder::with_buffer(std::io::BufReader::new(reader))
        }
        .map_err(corrupt)?;
        dec.window_log_max(MAX_ZSTD_WINDOW_LOG).map_err(corrupt)?;
        let mut out = Vec::new();
        dec.single_frame()
            .take(expected as u64 + 1)
            .read_to_end(&mut out)
            .map_err(corrupt)?;
        if !fits(out.len()) {
            return Err(mismatch(out.len()));
        }
        return Ok(out);
    }
    let mut framed = Vec::with_capacity(data.len() + 4);
    framed.extend_from_slice(&ZSTD_MAGIC);
    framed.extend_from_slice(data);
    let cell = if dict { &DCTX_DICT } else { &DCTX_PLAIN };
    cell.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(new_decompressor(dict).map_err(corrupt)?);
        }
        let d = slot.as_mut().ok_or(DecodeError::Corrupt {
            codec: "zstd",
            reason: "no decompression context".into(),
        })?;
        // One spare byte: a frame that fills it inflates past the declared length.
        let mut out = Vec::with_capacity(expected + 1);
        match d.decompress_to_buffer(&framed, &mut out) {
            Ok(n) if fits(n) => Ok(out),
            Ok(n) => Err(mismatch(n)),
            Err(e) => {
                // The context may be left mid-frame; drop it so the next call starts clean.
                *slot = None;
                Err(corrupt(e))
            }
        }
    })
}

/// One zstd stream with the shipped dictionary, flushed after every message so each message's
/// bytes can be decoded as soon as they arrive (used by linked SSE sequences). The stream's
/// magic number is not written.
pub struct StreamCompressor {
    enc: zstd::stream::raw::Encoder<'static>,
    first: bool,
}

impl StreamCompressor {
    /// A new stream.
    pub fn new() -> std::io::Result<Self> {
        use zstd::zstd_safe::CParameter;
        let mut enc = zstd::stream::raw::Encoder::with_prepared_dictionary(encoder_dict())?;
        enc.set_parameter(CParameter::ChecksumFlag(false))?;
        enc.set_parameter(CParameter::DictIdFlag(false))?;
        enc.set_parameter(CParameter::ContentSizeFlag(false))?;
        Ok(Self { enc, first: true })
    }

    /// Compresses `data` and flushes; returns the bytes to send.
    pub fn push(&mut self, data: &[u8]) -> std::io::Result<Vec<u8>> {
        use zstd::stream::raw::{Operation, OutBuffer};
        let mut buf = vec![0u8; zstd::zstd_safe::compress_bound(data.len()) + 64];
        let (mut read, mut written) = (0, 0);
        while read < data.len() {
            if written == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let st = self
                .enc
                .run_on_buffers(&data[read..], &mut buf[written..])?;
            read += st.bytes_read;
            written += st.bytes_written;
        }
        loop {
            if written == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let mut out = OutBuffer::around(&mut buf[written..]);
            let left = self.enc.flush(&mut out)?;
            written += out.pos();
            if left == 0 {
                break;
            }
        }
        buf.truncate(written);
        if self.first {
            self.first = false;
            if buf.starts_with(&ZSTD_MAGIC) {
                buf.drain(..4);
            }
        }
        Ok(buf)
    }
}

/// The receiving end of a [`StreamCompressor`].
pub struct StreamDecompressor {
    dec: zstd::stream::raw::Decoder<'static>,
    first: bool,
}

impl StreamDecompressor {
    /// A new stream.
    pub fn new() -> Result<Self, DecodeError> {
        use zstd::zstd_safe::DParameter;
        let corrupt = |e: std::io::Error| DecodeError::Corrupt {
            codec: "zstd",
            reason: e.to_string(),
        };
        let mut dec = zstd::stream::raw::Decoder::with_prepared_dictionary(decoder_dict())
            .map_err(corrupt)?;
        dec.set_parameter(DParameter::WindowLogMax(MAX_ZSTD_WINDOW_LOG))
            .map_err(corrupt)?;
        Ok(Self { dec, first: true })
    }

    /// Decodes one message's bytes, which must yield exactly `expected` bytes. The output
    /// buffer grows with the bytes produced (from 64 KiB), never past `expected + 1`.
    pub fn push(&mut self, data: &[u8], expected: usize) -> Result<Vec<u8>, DecodeError> {
        use zstd::stream::raw::Operation;
        let corrupt = |e: std::io::Error| DecodeError::Corrupt {
            codec: "zstd",
            reason: e.to_string(),
        };
        let framed;
        let input = if self.first {
            self.first = false;
            framed = [&ZSTD_MAGIC[..], data].concat();
            &framed[..]
        } else {
            data
        };
        let mut out = vec![0u8; (expected + 1).min(64 * 1024)];
        let (mut read, mut written) = (0, 0);
        loop {
            if written == out.len() {
                if out.len() > expected {
                    return Err(DecodeError::LengthMismatch {
                        field: "original_len",
                        declared: expected,
                        actual: written,
                    });
                }
                out.resize((out.len() * 2).min(expected + 1), 0);
            }
            let st = self
                .dec
                .run_on_buffers(&input[read..], &mut out[written..])
                .map_err(corrupt)?;
            read += st.bytes_read;
            written += st.bytes_written;
            if st.bytes_read == 0 && st.bytes_written == 0 {
                break;
            }
        }
        if read != input.len() || written != expected {
            return Err(DecodeError::LengthMismatch {
                field: "original_len",
                declared: expected,
                actual: written,
            });
        }
        out.truncate(written);
        Ok(out)
    }
}
