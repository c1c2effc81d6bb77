//! The record layer: AES-256-GCM frames with sequence-number nonces.
//!
//! ```text
//! record = 0x17 | seq: u64 BE | AES-256-GCM(key, nonce = iv XOR (0^4 ‖ seq BE), aad = first 9 bytes, plaintext) ‖ tag[16]
//! ```
//! Each direction has its own key and IV (derived in [`super::handshake`]) and its own counter
//! starting at 0. The receiver accepts exactly the next sequence number: a replayed or reordered
//! record is refused before decryption ([`RecordError::Replayed`], [`RecordError::OutOfOrder`]), a
//! changed byte anywhere fails authentication ([`RecordError::Tampered`]), and nothing from a
//! refused record is returned. Stream truncation (records dropped at the end) is caught one layer
//! up: a session that ends without a CLOSE message reports it.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};

/// First byte of every record.
pub const RECORD_TYPE: u8 = 0x17;
/// Type byte and sequence number.
pub const RECORD_HEADER_LEN: usize = 9;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Bytes a record adds to its plaintext.
pub const RECORD_OVERHEAD: usize = RECORD_HEADER_LEN + TAG_LEN;

/// Why a record was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    /// Shorter than header plus tag.
    #[error("record of {len} bytes is shorter than the {min}-byte minimum")]
    Truncated {
        /// Length received.
        len: usize,
        /// Minimum length.
        min: usize,
    },
    /// The first byte is not [`RECORD_TYPE`].
    #[error("record type {found:#04x} is not {RECORD_TYPE:#04x}")]
    BadType {
        /// The byte found.
        found: u8,
    },
    /// A sequence number already consumed: a replay.
    #[error("replayed record: sequence {seq}, expected {expected}")]
    Replayed {
        /// Sequence number in the record.
        seq: u64,
        /// Sequence number expected.
        expected: u64,
    },
    /// A sequence number from the future: records were dropped or reordered.
    #[error("out-of-order record: sequence {seq}, expected {expected}")]
    OutOfOrder {
        /// Sequence number in the record.
        seq: u64,
        /// Sequence number expected.
        expected: u64,
    },
    /// Authentication failed: the record was modified, or made with another key.
    #[error("record {seq} failed authentication (tampered or wrong key)")]
    Tampered {
        /// Sequence number in the record.
        seq: u64,
    },
    /// Larger than the negotiated maximum.
    #[error("record of {len} bytes exceeds the {max}-byte maximum")]
    TooLarge {
        /// Length.
        len: usize,
        /// Maximum.
        max: usize,
    },
    /// 2^64 records were sent with one key; the session must be re-established.
    #[error("sequence numbers exhausted")]
    SequenceExhausted,
}

/// One direction's key and IV.
pub struct DirectionKeys {
    pub(crate) key: [u8; 32],
    pub(crate) iv: [u8; 12],
}

impl Drop for DirectionKeys {
    fn drop(&mut self) {
        // Best-effort wipe of our copy (volatile writes would need `unsafe`, which the workspace
        // forbids; `black_box` keeps the stores from being optimised away in practice).
        self.key = [0; 32];
        self.iv = [0; 12];
        std::hint::black_box((&mut self.key, &mut self.iv));
    }
}

fn nonce(iv: &[u8; 12], seq: u64) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = *iv;
    for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    Nonce::from(n)
}

/// Encrypts outgoing records.
pub struct Sealer {
    cipher: Aes256Gcm,
    iv: [u8; 12],
    seq: u64,
    exhausted: bool,
}

impl Sealer {
    /// A sealer starting at sequence 0.
    pub fn new(keys: &DirectionKeys) -> Self {
        Self {
            cipher: Aes256Gcm::new(&keys.key.into()),
            iv: keys.iv,
            seq: 0,
            exhausted: false,
        }
    }

    /// Sequence number of the next record.
    pub fn next_seq(&self) -> u64 {
        self.seq
    }

    /// Appends one record carrying `plaintext` to `out`.
    pub fn seal(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), RecordError> {
        if self.exhausted {
            return Err(RecordError::SequenceExhausted);
        }
        let start = out.len();
        out.push(RECORD_TYPE);
        out.extend_from_slice(&self.seq.to_be_bytes());
        let mut body = Vec::with_capacity(plaintext.len() + TAG_LEN);
        body.extend_from_slice(plaintext);
        let aad: [u8; RECORD_HEADER_LEN] = header(RECORD_TYPE, self.seq);
        // Encryption fails only for plaintexts beyond AES-GCM's 64 GiB limit, far above any frame.
        self.cipher
            .encrypt_in_place(&nonce(&self.iv, self.seq), &aad, &mut body)
            .map_err(|_| RecordError::TooLarge {
                len: plaintext.len(),
                max: 1 << 36,
            })?;
        out.extend_from_slice(&body);
        debug_assert_eq!(out.len() - start, plaintext.len() + RECORD_OVERHEAD);
        match self.seq.checked_add(1) {
            Some(s) => self.seq = s,
            None => self.exhausted = true,
        }
        Ok(())
    }
}

fn header(kind: u8, seq: u64) -> [u8; RECORD_HEADER_LEN] {
    let mut h = [0u8; RECORD_HEADER_LEN];
    h[0] = kind;
    h[1..].copy_from_slice(&seq.to_be_bytes());
    h
}

/// Decrypts incoming records, in order.
pub struct Opener {
    cipher: Aes256Gcm,
    iv: [u8; 12],
    expected: u64,
    max_record: usize,
}

impl Opener {
    /// An opener expecting sequence 0, refusing records longer than `max_record` bytes.
    pub fn new(keys: &DirectionKeys, max_record: usize) -> Self {
        Self {
            cipher: Aes256Gcm::new(&keys.key.into()),
            iv: keys.iv,
            expected: 0,
            max_record,
        }
    }

    /// Changes the largest record accepted (after negotiation).
    pub fn set_max_record(&mut self, max: usize) {
        self.max_record = max;
    }

    /// Sequence number of the next record expected.
    pub fn expected_seq(&self) -> u64 {
        self.expected
    }

    /// Checks and decrypts one record. On error nothing is returned and the state is unchanged.
    pub fn open(&mut self, record: &[u8]) -> Result<Vec<u8>, RecordError> {
        if record.len() > self.max_record {
            return Err(RecordError::TooLarge {
                len: record.len(),
                max: self.max_record,
            });
        }
        let Some((head, body)) = record.split_first_chunk::<RECORD_HEADER_LEN>() else {
            return Err(RecordError::Truncated {
                len: record.len(),
                min: RECORD_OVERHEAD,
            });
        };
        if body.len() < TAG_LEN {
            return Err(RecordError::Truncated {
                len: record.len(),
                min: RECORD_OVERHEAD,
            });
        }
        if head[0] != RECORD_TYPE {
            return Err(RecordError::BadType { found: head[0] });
        }
        let mut seq_bytes = [0u8; 8];
        seq_bytes.copy_from_slice(&head[1..]);
        let seq = u64::from_be_bytes(seq_bytes);
        if seq < self.expected {
            return Err(RecordError::Replayed {
                seq,
                expected: self.expected,
            });
        }
        if seq > self.expected {
            return Err(RecordError::OutOfOrder {
                seq,
                expected: self.expected,
            });
        }
        let mut buf = body.to_vec();
        self.cipher
            .decrypt_in_place(&nonce(&self.iv, seq), head, &mut buf)
            .map_err(|_| RecordError::Tampered { seq })?;
        // After u64::MAX records the next one cannot be accepted; wrapping would reuse nonces.
        self.expected = self.expected.saturating_add(1);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(b: u8) -> DirectionKeys {
        DirectionKeys {
            key: [b; 32],
            iv: [b.wrapping_add(1); 12],
        }
    }

    #[test]
    fn round_trip_in_order() {
        let k = keys(1);
        let (mut s, mut o) = (Sealer::new(&k), Opener::new(&k, 1 << 20));
        for i in 0..5u8 {
            let mut rec = Vec::new();
            s.seal(&[i; 10], &mut rec).unwrap();
            assert_eq!(rec.len(), 10 + RECORD_OVERHEAD);
            assert_eq!(o.open(&rec).unwrap(), vec![i; 10]);
        }
    }

    #[test]
    fn replay_reorder_tamper_truncate_refused() {
        let k = keys(2);
        let (mut s, mut o) = (Sealer::new(&k), Opener::new(&k, 1 << 20));
        let (mut r0, mut r1) = (Vec::new(), Vec::new());
        s.seal(b"zero", &mut r0).unwrap();
        s.seal(b"one", &mut r1).unwrap();
        assert_eq!(
            o.open(&r1),
            Err(RecordError::OutOfOrder {
                seq: 1,
                expected: 0
            })
        );
        assert_eq!(o.open(&r0).unwrap(), b"zero");
        assert_eq!(
            o.open(&r0),
            Err(RecordError::Replayed {
                seq: 0,
                expected: 1
            })
        );
        let mut bad = r1.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(o.open(&bad), Err(RecordError::Tampered { seq: 1 }));
        assert!(matches!(
            o.open(&r1[..RECORD_OVERHEAD - 1]),
            Err(RecordError::Truncated { .. })
        ));
        assert!(matches!(
            o.open(&r1[..r1.len() - 1]),
            Err(RecordError::Tampered { seq: 1 })
        ));
        // The failed attempts did not advance the state.
        assert_eq!(o.open(&r1).unwrap(), b"one");
    }

    #[test]
    fn other_key_is_tampered_and_too_large_is_refused() {
        let mut s = Sealer::new(&keys(3));
        let mut o = Opener::new(&keys(4), 64);
        let mut rec = Vec::new();
        s.seal(b"x", &mut rec).unwrap();
        assert_eq!(o.open(&rec), Err(RecordError::Tampered { seq: 0 }));
        let mut big = Vec::new();
        s.seal(&[0; 100], &mut big).unwrap();
        assert_eq!(
            o.open(&big),
            Err(RecordError::TooLarge {
                len: 100 + RECORD_OVERHEAD,
                max: 64
            })
        );
    }
}
