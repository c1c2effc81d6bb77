//! Streaming: chat-completion server-sent events (`data: {...}\n\n` ... `data: [DONE]\n\n`)
//! framed event by event without losing a byte.
//!
//! Each event (the bytes up to and including the blank line that ends it) becomes one frame
//! whose payload is the event's exact bytes. Events whose single line is `data: <JSON object>`
//! get a streaming-chunk routing header (schema 03, response layout: id, model, finish reason,
//! usage); anything else (`[DONE]`, comments, `event:` lines, a partial tail) gets an opaque
//! one (schema FE). Frames are independent, so a gateway can forward or drop any of them.
//!
//! A sequence of frames is written as `"#M2S|"` then, per frame, a varint length and the frame.
//!
//! **Linked** sequences (`"#M2L|"`, [`EventFormat::Linked`]) trade independence for size: all
//! events go through one zstd stream (with the shipped dictionary) flushed after each event, so
//! each event is decodable as soon as it arrives but only in order, and the routing header is
//! sent only when it changes. Per event, after the varint length:
//! ```text
//! u8 kind: 0 = routing unchanged, 1 = new routing, 2 = end of stream
//! kind 1:   u8 schema, varint flags, varint routing_len, routing header (M2M v1 layout)
//! kind 0/1: varint event_len, zstd bytes of the event (to the end of the frame)
//! kind 2:   u32 crc32 (LE) of all event bytes, varint total length
//! ```
//!
//! [`SseEncoder`] takes bytes as they arrive; [`encode_stream`] and [`decode_stream`] work on
//! whole buffers.

use super::aether::AetherFrame;
use super::error::{DecodeError, EncodeError};
use super::limits::Limits;
use super::routing::Routing;
use super::v1::V1Frame;
use super::varint;

/// Prefix of a framed SSE sequence.
pub const PREFIX: &[u8] = b"#M2S|";
/// Longest single event the encoder buffers before framing it as is (a stream that never
/// sends a blank line cannot make the encoder grow without bound).
pub const MAX_EVENT_SIZE: usize = 4 * 1024 * 1024;

/// Frame format used for each event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// [`AetherFrame`] (dictionary zstd).
    Aether,
    /// [`V1Frame`] binary (interop).
    M2mV1,
    /// A linked `#M2L|` sequence (one zstd stream, routing header when it changes).
    Linked,
}

/// Prefix of a linked sequence.
pub const LINKED_PREFIX: &[u8] = b"#M2L|";
const KIND_SAME: u8 = 0;
const KIND_NEW: u8 = 1;
const KIND_END: u8 = 2;

/// State of a linked sequence being written.
struct LinkedState {
    zstd: super::compress::StreamCompressor,
    last: Option<Routing>,
    crc: crc32fast::Hasher,
    total: u64,
}

impl std::fmt::Debug for LinkedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedState")
            .field("last", &self.last)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

/// Length of the first complete event in `buf` (through its terminating blank line).
fn event_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        match buf[i] {
            b'\n' if buf.get(i + 1) == Some(&b'\n') => return Some(i + 2),
            b'\n' if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') => {
                return Some(i + 3);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Routing header for one event's bytes.
fn routing_for(event: &[u8]) -> Routing {
    let body = event
        .strip_prefix(b"data: ")
        .or_else(|| event.strip_prefix(b"data:"))
        .map(|b| b.trim_ascii_end());
    if let Some(body) = body
        && body.first() == Some(&b'{')
        && !body.contains(&b'\n')
        && let Ok(routing) = Routing::from_json_bytes(body, true, false)
    {
        return routing;
    }
    Routing::opaque()
}

/// Frames SSE bytes incrementally.
#[derive(Debug)]
pub struct SseEncoder {
    format: EventFormat,
    linked: Option<LinkedState>,
    pending: Vec<u8>,
    /// Bytes of `pending` already searched for an event end (minus a 2-byte overlap), so
    /// pushing a long event in small pieces stays linear.
    scanned: usize,
    started: bool,
}

impl SseEncoder {
    /// A new encoder writing `format` frames.
    pub fn new(format: EventFormat) -> Self {
        Self {
            format,
            linked: None,
            pending: Vec::new(),
            scanned: 0,
            started: false,
        }
    }

    fn emit(&mut self, event: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !self.started {
            out.extend_from_slice(if self.format == EventFormat::Linked {
                LINKED_PREFIX
            } else {
                PREFIX
            });
            self.started = true;
        }
        let routing = routing_for(event);
        let mut frame = Vec::with_capacity(event.len() / 2 + 32);
        match self.format {
            EventFormat::Linked => self.emit_linked(routing, event, &mut frame)?,
            EventFormat::Aether => AetherFrame::new(routing, event.to_vec())?.encode(&mut frame),
            EventFormat::M2mV1 => {
                V1Frame::from_routing(&routing, event.to_vec())?.encode(&mut frame)
            }
        }
        varint::write(out, frame.len() as u64);
        out.extend_from_slice(&frame);
        Ok(())
    }

    fn emit_linked(
        &mut self,
        routing: Routing,
        event: &[u8],
        frame: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        if self.linked.is_none() {
            let zstd =
                super::compress::StreamCompressor::new().map_err(|e| EncodeError::Compression {
                    reason: e.to_string(),
                })?;
            self.linked = Some(LinkedState {
                zstd,
                last: None,
                crc: crc32fast::Hasher::new(),
                total: 0,
            });
        }
        let Some(state) = self.linked.as_mut() else {
            return Ok(());
        };
        if state.last.as_ref() == Some(&routing) {
            frame.push(KIND_SAME);
        } else {
            let mut header = Vec::new();
            routing.encode_variable(&mut header);
            if header.len() > super::limits::MAX_HEADER_LEN {
                return Err(EncodeError::HeaderTooLarge {
                    len: header.len(),
                    max: super::limits::MAX_HEADER_LEN,
                });
            }
            frame.push(KIND_NEW);
            frame.push(routing.schema.byte());
            varint::write(frame, u64::from(routing.flags));
            varint::write(frame, header.len() as u64);
            frame.extend_from_slice(&header);
            state.last = Some(routing);
        }
        varint::write(frame, event.len() as u64);
        let z = state
            .zstd
            .push(event)
            .map_err(|e| EncodeError::Compression {
                reason: e.to_string(),
            })?;
        frame.extend_from_slice(&z);
        state.crc.update(event);
        state.total += event.len() as u64;
        Ok(())
    }

    /// Feeds bytes; appends a frame to `out` for every event they complete.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        // An event end ("\n\n" or "\n\r\n") can straddle the previous push: look back 2 bytes.
        let mut from = self.scanned.saturating_sub(2);
        while let Some(len) = event_end(&self.pending[from..]) {
            let end = from + len;
            let event = self.pending[start..end].to_vec();
            self.emit(&event, out)?;
            start = end;
            from = end;
        }
        self.pending.drain(..start);
        self.scanned = self.pending.len();
        if self.pending.len() > MAX_EVENT_SIZE {
            let event = std::mem::take(&mut self.pending);
            self.scanned = 0;
            self.emit(&event, out)?;
        }
        Ok(())
    }

    /// Ends the stream: frames any bytes after the last complete event, so none are lost.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !self.pending.is_empty() {
            let event = std::mem::take(&mut self.pending);
            self.emit(&event, out)?;
        }
        if !self.started {
            out.extend_from_slice(if self.format == EventFormat::Linked {
                LINKED_PREFIX
            } else {
                PREFIX
            });
        }
        if self.format == EventFormat::Linked {
            let (crc, total) = match self.linked.take() {
                Some(state) => (state.crc.finalize(), state.total),
                None => (crc32fast::hash(b""), 0),
            };
            let mut frame = vec![KIND_END];
            frame.extend_from_slice(&crc.to_le_bytes());
            varint::write(&mut frame, total);
            varint::write(out, frame.len() as u64);
            out.extend_from_slice(&frame);
        }
        Ok(())
    }
}

/// Frames a whole SSE stream.
pub fn encode_stream(input: &[u8], format: EventFormat) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(input.len() / 2 + 16);
    let mut enc = SseEncoder::new(format);
    enc.push(input, &mut out)?;
    enc.finish(&mut out)?;
    Ok(out)
}

/// One decoded event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Routing header of the event's frame.
    pub routing: Routing,
    /// The event's exact bytes.
    pub bytes: Vec<u8>,
}

/// Splits a framed sequence into its frames (no decompression).
pub fn frames<'a>(seq: &'a [u8], limits: &Limits) -> Result<Vec<&'a [u8]>, DecodeError> {
    if seq.len() > limits.max_frame {
        return Err(DecodeError::FrameTooLarge {
            len: seq.len(),
            max: limits.max_frame,
        });
    }
    let mut pos = PREFIX.len();
    if !seq.starts_with(PREFIX) && !seq.starts_with(LINKED_PREFIX) {
        return Err(DecodeError::BadPrefix {
            expected: "#M2S| or #M2L|",
        });
    }
    let mut out = Vec::new();
    while pos < seq.len() {
        let len = varint::read_u32(seq, &mut pos, "frame length")? as usize;
        let frame = seq.get(pos..pos + len).ok_or(DecodeError::Truncated {
            field: "frame",
            needed: (pos + len).saturating_sub(seq.len()),
        })?;
        out.push(frame);
        pos += len;
    }
    Ok(out)
}

/// Decodes a linked sequence into its events, checking the end record.
fn decode_linked(seq: &[u8], limits: &Limits) -> Result<Vec<Event>, DecodeError> {
    let mut zstd = super::compress::StreamDecompressor::new()?;
    let mut routing = Routing::opaque();
    let mut crc = crc32fast::Hasher::new();
    let mut total = 0usize;
    let mut events = Vec::new();
    let mut ended = false;
    for frame in frames(seq, limits)? {
        if ended {
            return Err(DecodeError::TrailingBytes { extra: frame.len() });
        }
        let (&kind, rest) = frame.split_first().ok_or(DecodeError::Truncated {
            field: "event kind",
            needed: 1,
        })?;
        let mut pos = 0;
        match kind {
            KIND_END => {
                let c = rest.get(..4).ok_or(DecodeError::Truncated {
                    field: "stream crc32",
                    needed: 4,
                })?;
                let expected = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                pos = 4;
                let declared = varint::read_u64(rest, &mut pos, "stream length")?;
                if pos != rest.len() {
                    return Err(DecodeError::TrailingBytes {
                        extra: rest.len() - pos,
                    });
                }
                if declared != total as u64 {
                    return Err(DecodeError::LengthMismatch {
                        field: "stream length",
                        declared: usize::try_from(declared).unwrap_or(usize::MAX),
                        actual: total,
                    });
                }
                let actual = std::mem::replace(&mut crc, crc32fast::Hasher::new()).finalize();
                if actual != expected {
                    return Err(DecodeError::ChecksumMismatch { expected, actual });
                }
                ended = true;
                continue;
            }
            KIND_NEW => {
                let schema = super::routing::Schema::from_byte(*rest.first().ok_or(
                    DecodeError::Truncated {
                        field: "schema",
                        needed: 1,
                    },
                )?);
                pos = 1;
                let flags = varint::read_u64(rest, &mut pos, "flags")?;
                let flags = u16::try_from(flags).map_err(|_| DecodeError::InvalidField {
                    field: "flags",
                    value: flags.to_string(),
                })?;
                let len = varint::read_u32(rest, &mut pos, "routing_len")? as usize;
                let bytes = rest.get(pos..pos + len).ok_or(DecodeError::Truncated {
                    field: "routing header",
                    needed: (pos + len).saturating_sub(rest.len()),
                })?;
                pos += len;
                routing = Routing::decode_variable(schema, flags, true, bytes)?;
            }
            KIND_SAME => {}
            other => {
                return Err(DecodeError::InvalidField {
                    field: "event kind",
                    value: other.to_string(),
                });
            }
        }
        let len = varint::read_u32(rest, &mut pos, "event_len")? as usize;
        if len > limits.max_decompressed - total {
            return Err(DecodeError::DecompressedTooLarge {
                max: limits.max_decompressed,
            });
        }
        let bytes = zstd.push(&rest[pos..], len)?;
        crc.update(&bytes);
        total += bytes.len();
        events.push(Event {
            routing: routing.clone(),
            bytes,
        });
    }
    if !ended {
        return Err(DecodeError::Truncated {
            field: "end of stream record",
            needed: 1,
        });
    }
    Ok(events)
}

/// Decodes a framed sequence (`#M2S|` or linked `#M2L|`) into its events.
pub fn decode_events(seq: &[u8], limits: &Limits) -> Result<Vec<Event>, DecodeError> {
    if seq.starts_with(LINKED_PREFIX) {
        if seq.len() > limits.max_frame {
            return Err(DecodeError::FrameTooLarge {
                len: seq.len(),
                max: limits.max_frame,
            });
        }
        return decode_linked(seq, limits);
    }
    let mut total = 0usize;
    let mut events = Vec::new();
    for frame in frames(seq, limits)? {
        let left = Limits {
            max_decompressed: limits.max_decompressed - total,
            ..*limits
        };
        let event = if frame.starts_with(super::aether::PREFIX) {
            let f = AetherFrame::decode_with(frame, &left, None)?;
            Event {
                routing: f.routing().clone(),
                bytes: f.into_payload(),
            }
        } else {
            let f = V1Frame::decode_with(frame, &left, None)?;
            let routing = f.routing().unwrap_or_else(|_| Routing::opaque());
            Event {
                routing,
                bytes: f.into_payload(),
            }
        };
        total += event.bytes.len();
        events.push(event);
    }
    Ok(events)
}

/// Decodes a framed sequence back to the exact SSE bytes.
pub fn decode_stream(seq: &[u8], limits: &Limits) -> Result<Vec<u8>, DecodeError> {
    Ok(decode_events(seq, limits)?
        .into_iter()
        .flat_map(|e| e.bytes)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::routing::{RoutingHeader, Schema};

    const STREAM: &[u8] = b"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n: keep-alive\n\ndata: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\ndata: [DONE]\n\n";

    #[test]
    fn round_trip_keeps_every_byte() {
        for format in [EventFormat::Aether, EventFormat::M2mV1, EventFormat::Linked] {
            let framed = encode_stream(STREAM, format).unwrap();
            let events = decode_events(&framed, &Limits::default()).unwrap();
            assert_eq!(events.len(), 4);
            assert_eq!(events[0].routing.schema, Schema::Stream);
            assert_eq!(events[1].routing.schema, Schema::Custom);
            let RoutingHeader::Response(h) = &events[2].routing.header else {
                panic!("layout")
            };
            assert_eq!(
                (h.id.as_str(), h.model.as_str(), h.finish_reason.name()),
                ("chatcmpl-9", "gpt-4o", "stop")
            );
            assert_eq!(decode_stream(&framed, &Limits::default()).unwrap(), STREAM);
        }
    }

    #[test]
    fn incremental_push_matches_one_shot_and_keeps_partial_tail() {
        let input = [STREAM, b"data: {\"partial"].concat();
        let mut out = Vec::new();
        let mut enc = SseEncoder::new(EventFormat::Aether);
        for piece in input.chunks(7) {
            enc.push(piece, &mut out).unwrap();
        }
        enc.finish(&mut out).unwrap();
        assert_eq!(out, encode_stream(&input, EventFormat::Aether).unwrap());
        assert_eq!(decode_stream(&out, &Limits::default()).unwrap(), input);
    }
}
