//! Session messages: what travels inside records once the handshake is done.
//!
//! Binary, little-endian, every length bounded; `decode` refuses trailing bytes.
//! ```text
//! HELLO  0x01 major u8 ‖ minor u8 ‖ max_frame u32 ‖ n u8 ‖ n × (len u8 ‖ compression name)
//! ACCEPT 0x02 major u8 ‖ minor u8 ‖ max_frame u32 ‖ len u8 ‖ compression name
//! REJECT 0x03 code u16 ‖ len u16 ‖ reason (UTF-8)
//! PING   0x04 nonce u64
//! PONG   0x05 nonce u64
//! DATA   0x06 id[16] ‖ kind u8 ‖ has_corr u8 ‖ [corr[16]] ‖ timestamp_ms u64 ‖ len u8 ‖ type
//!             ‖ encoding u8 (0 none, 1 brotli, 2 aether) ‖ len u32 ‖ payload
//! CLOSE  0x07 code u16 ‖ len u16 ‖ reason (UTF-8)
//! ```
//! (The reference M2M implementation uses JSON session messages; Aether's P2P session is its own
//! encrypted protocol, so it uses this compact form. Capabilities keep the reference's meaning:
//! major versions must match, the compression chosen is the first local one the peer offers.)

use std::fmt;

/// Longest message type name.
pub const MAX_TYPE_LEN: usize = 128;
/// Longest close/reject reason text.
pub const MAX_REASON_LEN: usize = 1024;
/// Most compression names in a HELLO.
pub const MAX_COMPRESSIONS: usize = 8;
/// Longest compression name.
pub const MAX_COMPRESSION_NAME: usize = 32;

/// Why a session message could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    /// The buffer ended inside a field.
    #[error("message truncated while reading {field}")]
    Truncated {
        /// Field being read.
        field: &'static str,
    },
    /// Unknown message type byte.
    #[error("unknown session message type {0:#04x}")]
    UnknownType(u8),
    /// Bytes left after a complete message.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// A text field is not UTF-8.
    #[error("{field} is not UTF-8")]
    NotUtf8 {
        /// Field.
        field: &'static str,
    },
    /// A length exceeds its maximum.
    #[error("{field} length {len} exceeds {max}")]
    TooLong {
        /// Field.
        field: &'static str,
        /// Length found.
        len: usize,
        /// Maximum.
        max: usize,
    },
    /// An enum byte has no meaning.
    #[error("invalid {field} value {value}")]
    BadValue {
        /// Field.
        field: &'static str,
        /// Value found.
        value: u8,
    },
}

/// A 128-bit message id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub [u8; 16]);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::identity::hex_encode(&self.0))
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({self})")
    }
}

/// What an envelope is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Fire and forget.
    Oneway = 0,
    /// Expects a [`Kind::Response`] with this id as correlation id.
    Request = 1,
    /// Answers the request named by the correlation id.
    Response = 2,
    /// Sent to many peers at once.
    Broadcast = 3,
}

impl Kind {
    fn from_u8(v: u8) -> Result<Self, CodecError> {
        Ok(match v {
            0 => Self::Oneway,
            1 => Self::Request,
            2 => Self::Response,
            3 => Self::Broadcast,
            _ => {
                return Err(CodecError::BadValue {
                    field: "kind",
                    value: v,
                });
            }
        })
    }
}

/// Payload encoding inside a DATA message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Raw bytes.
    None = 0,
    /// Brotli-compressed (only when negotiated).
    Brotli = 1,
    /// An M2M Aether frame (only when negotiated).
    Aether = 2,
}

/// An application message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Unique id.
    pub id: MessageId,
    /// Purpose.
    pub kind: Kind,
    /// For responses: the request's id.
    pub correlation_id: Option<MessageId>,
    /// Sender's clock, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Application message type (e.g. `task.offer`).
    pub msg_type: String,
    /// How `payload` is encoded.
    pub encoding: Encoding,
    /// Payload bytes (JSON at the [`super::agent`] level).
    pub payload: Vec<u8>,
}

/// Capabilities in HELLO / ACCEPT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Protocol major version (must match).
    pub major: u8,
    /// Protocol minor version (informative).
    pub minor: u8,
    /// Largest frame the sender accepts.
    pub max_frame: u32,
    /// Compression names, in preference order (ACCEPT carries exactly the chosen one).
    pub compression: Vec<String>,
}

/// A session message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionMessage {
    /// Initiator's capabilities.
    Hello(Capabilities),
    /// Responder's agreement.
    Accept(Capabilities),
    /// Responder's refusal.
    Reject {
        /// A [`super::session::CloseReason`] code.
        code: u16,
        /// Human-readable reason.
        reason: String,
    },
    /// Keep-alive probe.
    Ping(u64),
    /// Keep-alive answer.
    Pong(u64),
    /// Application data.
    Data(Envelope),
    /// Orderly end.
    Close {
        /// A [`super::session::CloseReason`] code.
        code: u16,
        /// Human-readable reason.
        reason: String,
    },
}

fn put_short(out: &mut Vec<u8>, s: &str, max: usize) {
    let s = truncate_utf8(s, max.min(255));
    out.push(u8::try_from(s.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(s.as_bytes());
}

fn put_reason(out: &mut Vec<u8>, code: u16, reason: &str) {
    out.extend_from_slice(&code.to_le_bytes());
    let r = truncate_utf8(reason, MAX_REASON_LEN);
    out.extend_from_slice(&u16::try_from(r.len()).unwrap_or(u16::MAX).to_le_bytes());
    out.extend_from_slice(r.as_bytes());
}

/// The longest prefix of `s` of at most `max` bytes ending on a char boundary.
pub(crate) fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl SessionMessage {
    /// Appends the encoding to `out`. Over-long text fields are truncated (callers validate first).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Hello(c) | Self::Accept(c) => {
                let hello = matches!(self, Self::Hello(_));
                out.push(if hello { 0x01 } else { 0x02 });
                out.push(c.major);
                out.push(c.minor);
                out.extend_from_slice(&c.max_frame.to_le_bytes());
                if hello {
                    let n = c.compression.len().min(MAX_COMPRESSIONS);
                    out.push(u8::try_from(n).unwrap_or(0));
                    for name in c.compression.iter().take(n) {
                        put_short(out, name, MAX_COMPRESSION_NAME);
                    }
                } else {
                    put_short(
                        out,
                        c.compression.first().map_or("none", String::as_str),
                        MAX_COMPRESSION_NAME,
                    );
                }
            }
            Self::Reject { code, reason } => {
                out.push(0x03);
                put_reason(out, *code, reason);
            }
            Self::Ping(n) => {
                out.push(0x04);
                out.extend_from_slice(&n.to_le_bytes());
            }
            Self::Pong(n) => {
                out.push(0x05);
                out.extend_from_slice(&n.to_le_bytes());
            }
            Self::Data(e) => {
                out.push(0x06);
                out.extend_from_slice(&e.id.0);
                out.push(e.kind as u8);
                match e.correlation_id {
                    Some(c) => {
                        out.push(1);
                        out.extend_from_slice(&c.0);
                    }
                    None => out.push(0),
                }
                out.extend_from_slice(&e.timestamp_ms.to_le_bytes());
                put_short(out, &e.msg_type, MAX_TYPE_LEN);
                out.push(e.encoding as u8);
                out.extend_from_slice(
                    &u32::try_from(e.payload.len())
                        .unwrap_or(u32::MAX)
                        .to_le_bytes(),
                );
                out.extend_from_slice(&e.payload);
            }
            Self::Close { code, reason } => {
                out.push(0x07);
                put_reason(out, *code, reason);
            }
        }
    }

    /// The encoding as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// Decodes exactly one message.
    pub fn decode(buf: &[u8]) -> Result<Self, CodecError> {
        let mut r = Reader(buf);
        let t = r.u8("type")?;
        let msg = match t {
            0x01 | 0x02 => {
                let major = r.u8("major")?;
                let minor = r.u8("minor")?;
                let max_frame = r.u32("max_frame")?;
                let compression = if t == 0x01 {
                    let n = usize::from(r.u8("compression count")?);
                    if n > MAX_COMPRESSIONS {
                        return Err(CodecError::TooLong {
                            field: "compression list",
                            len: n,
                            max: MAX_COMPRESSIONS,
                        });
                    }
                    (0..n)
                        .map(|_| r.short("compression", MAX_COMPRESSION_NAME))
                        .collect::<Result<_, _>>()?
                } else {
                    vec![r.short("compression", MAX_COMPRESSION_NAME)?]
                };
                let caps = Capabilities {
                    major,
                    minor,
                    max_frame,
                    compression,
                };
                if t == 0x01 {
                    Self::Hello(caps)
                } else {
                    Self::Accept(caps)
                }
            }
            0x03 | 0x07 => {
                let code = r.u16("code")?;
                let len = usize::from(r.u16("reason length")?);
                if len > MAX_REASON_LEN {
                    return Err(CodecError::TooLong {
                        field: "reason",
                        len,
                        max: MAX_REASON_LEN,
                    });
                }
                let reason = r.text(len, "reason")?;
                if t == 0x03 {
                    Self::Reject { code, reason }
                } else {
                    Self::Close { code, reason }
                }
            }
            0x04 => Self::Ping(r.u64("nonce")?),
            0x05 => Self::Pong(r.u64("nonce")?),
            0x06 => {
                let id = MessageId(r.array("id")?);
                let kind = Kind::from_u8(r.u8("kind")?)?;
                let correlation_id = match r.u8("correlation flag")? {
                    0 => None,
                    1 => Some(MessageId(r.array("correlation id")?)),
                    v => {
                        return Err(CodecError::BadValue {
                            field: "correlation flag",
                            value: v,
                        });
                    }
                };
                let timestamp_ms = r.u64("timestamp")?;
                let msg_type = r.short("type", MAX_TYPE_LEN)?;
                let encoding = match r.u8("encoding")? {
                    0 => Encoding::None,
                    1 => Encoding::Brotli,
                    2 => Encoding::Aether,
                    v => {
                        return Err(CodecError::BadValue {
                            field: "encoding",
                            value: v,
                        });
                    }
                };
                let len = usize::try_from(r.u32("payload length")?).unwrap_or(usize::MAX);
                let payload = r.take(len, "payload")?.to_vec();
                Self::Data(Envelope {
                    id,
                    kind,
                    correlation_id,
                    timestamp_ms,
                    msg_type,
                    encoding,
                    payload,
                })
            }
            other => return Err(CodecError::UnknownType(other)),
        };
        if !r.0.is_empty() {
            return Err(CodecError::TrailingBytes(r.0.len()));
        }
        Ok(msg)
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], CodecError> {
        if self.0.len() < n {
            return Err(CodecError::Truncated { field });
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }
    fn u8(&mut self, field: &'static str) -> Result<u8, CodecError> {
        Ok(self.array::<1>(field)?[0])
    }
    fn u16(&mut self, field: &'static str) -> Result<u16, CodecError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }
    fn u32(&mut self, field: &'static str) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }
    fn u64(&mut self, field: &'static str) -> Result<u64, CodecError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }
    fn text(&mut self, len: usize, field: &'static str) -> Result<String, CodecError> {
        let b = self.take(len, field)?;
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| CodecError::NotUtf8 { field })
    }
    fn short(&mut self, field: &'static str, max: usize) -> Result<String, CodecError> {
        let len = usize::from(self.u8(field)?);
        if len > max {
            return Err(CodecError::TooLong { field, len, max });
        }
        self.text(len, field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<SessionMessage> {
        let caps = Capabilities {
            major: 1,
            minor: 0,
            max_frame: 1 << 20,
            compression: vec!["brotli".into(), "none".into()],
        };
        vec![
            SessionMessage::Hello(caps.clone()),
            SessionMessage::Accept(Capabilities {
                compression: vec!["none".into()],
                ..caps
            }),
            SessionMessage::Reject {
                code: 4,
                reason: "major version 2".into(),
            },
            SessionMessage::Ping(7),
            SessionMessage::Pong(7),
            SessionMessage::Data(Envelope {
                id: MessageId([1; 16]),
                kind: Kind::Response,
                correlation_id: Some(MessageId([2; 16])),
                timestamp_ms: 1_700_000_000_000,
                msg_type: "task.result".into(),
                encoding: Encoding::None,
                payload: b"{\"ok\":true}".to_vec(),
            }),
            SessionMessage::Close {
                code: 0,
                reason: "bye".into(),
            },
        ]
    }

    #[test]
    fn round_trip_and_strictness() {
        for m in samples() {
            let b = m.to_bytes();
            assert_eq!(SessionMessage::decode(&b), Ok(m.clone()));
            let mut longer = b.clone();
            longer.push(0);
            assert_eq!(
                SessionMessage::decode(&longer),
                Err(CodecError::TrailingBytes(1))
            );
            for cut in 0..b.len() {
                assert!(
                    SessionMessage::decode(&b[..cut]).is_err(),
                    "{m:?} cut at {cut}"
                );
            }
        }
        assert_eq!(
            SessionMessage::decode(&[0x99]),
            Err(CodecError::UnknownType(0x99))
        );
    }

    #[test]
    fn truncate_utf8_respects_char_boundaries() {
        assert_eq!(truncate_utf8("héllo", 2), "h");
        assert_eq!(truncate_utf8("abc", 5), "abc");
    }
}
