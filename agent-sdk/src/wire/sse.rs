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
            pending: Vec::new(),
            scanned: 0,
            started: false,
        }
    }

    fn emit(&mut self, event: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !self.started {
            out.extend_from_slice(PREFIX);
            self.started = true;
        }
        let routing = routing_for(event);
        let mut frame = Vec::with_capacity(event.len() / 2 + 32);
        match self.format {
            EventFormat::Aether => AetherFrame::new(routing, event.to_vec())?.encode(&mut frame),
            EventFormat::M2mV1 => {
                V1Frame::from_routing(&routing, event.to_vec())?.encode(&mut frame)
            }
        }
        varint::write(out, frame.len() as u64);
        out.extend_from_slice(&frame);
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
            out.extend_from_slice(PREFIX);
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
    if !seq.starts_with(PREFIX) {
        return Err(DecodeError::BadPrefix { expected: "#M2S|" });
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

/// Decodes a framed sequence into its events.
pub fn decode_events(seq: &[u8], limits: &Limits) -> Result<Vec<Event>, DecodeError> {
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
        for format in [EventFormat::Aether, EventFormat::M2mV1] {
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
