//! The authenticated key exchange (sans-IO): three messages, signed ephemeral X25519.
//!
//! A SIGMA-I style exchange (the shape of Noise XX with signatures in place of static DH):
//! ```text
//! h0  = SHA-256("aether-p2p/1 handshake")
//! 1. I → R  msg1 = 0x01 ‖ version(0x01) ‖ e_i                                         (34 bytes)
//!           h1  = SHA-256(h0 ‖ msg1)
//! 2. R → I  msg2 = 0x02 ‖ e_r ‖ AEAD(k_r, 0, aad = 0x02 ‖ e_r, id_r ‖ sig_r ‖ len ‖ agent_r)
//!           h1r = SHA-256(h1 ‖ 0x02 ‖ e_r);  dh = X25519(e, E)
//!           k_r, k_i = HKDF-SHA256(salt = h1r, ikm = dh).expand("aether-p2p/1 hs r2i" | "… hs i2r")
//!           sig_r = Ed25519(id_r, "aether-p2p/1 responder" ‖ h1r ‖ id_r ‖ len ‖ agent_r)
//!           h2  = SHA-256(h1 ‖ msg2)
//! 3. I → R  msg3 = 0x03 ‖ AEAD(k_i, 0, aad = 0x03, id_i ‖ sig_i ‖ len ‖ agent_i)
//!           sig_i = Ed25519(id_i, "aether-p2p/1 initiator" ‖ h2 ‖ id_i ‖ len ‖ agent_i)
//!           h3  = SHA-256(h2 ‖ msg3)
//! traffic:  HKDF-SHA256(salt = h3, ikm = dh).expand("aether-p2p/1 i2r key" | "i2r iv" | "r2i key" | "r2i iv")
//! ```
//! - Each signature covers both ephemerals (through `h1r`/`h2`) and the signer's identity and
//!   agent id; the initiator's also covers everything the responder sent.
//! - Identities travel encrypted under keys from the ephemeral DH, so producing msg2 or msg3
//!   proves knowledge of `dh` (no identity misbinding: a relay cannot re-sign someone else's
//!   exchange as its own) and passive observers do not learn who talks.
//! - Forward secrecy: the X25519 secrets are `EphemeralSecret`s, consumed by the one DH and
//!   zeroized on drop (x25519-dalek's `zeroize` feature); the DH output is a `SharedSecret`,
//!   also zeroized on drop. Only the traffic keys outlive the handshake.
//! - Which identity is acceptable is not decided here: the caller compares the returned
//!   [`PeerIdentity`] with the agent card (see [`super::session`]).
//! - `h3` becomes the session id (a channel binding both sides share).

use std::convert::Infallible;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use sha2_next::{Digest, Sha256};
use x25519_dalek::{EphemeralSecret, PublicKey as XPublic, SharedSecret};

use super::identity::{AgentId, Identity, MAX_AGENT_ID_LEN, PeerKey};
use super::random::RandomSource;
use super::record::{DirectionKeys, Opener, Sealer, TAG_LEN};

/// Handshake protocol version carried in msg1.
pub const HANDSHAKE_VERSION: u8 = 1;
/// Type byte of msg1.
pub const MSG1: u8 = 0x01;
/// Type byte of msg2.
pub const MSG2: u8 = 0x02;
/// Type byte of msg3.
pub const MSG3: u8 = 0x03;
/// Length of msg1.
pub const MSG1_LEN: usize = 34;
/// Largest identity block (key, signature, length byte, agent id).
const MAX_ID_BLOCK: usize = 32 + 64 + 1 + MAX_AGENT_ID_LEN;
/// Largest handshake message (msg2).
pub const MAX_HANDSHAKE_MSG: usize = 1 + 32 + MAX_ID_BLOCK + TAG_LEN;

const PROTOCOL: &[u8] = b"aether-p2p/1 handshake";
const CTX_RESPONDER: &[u8] = b"aether-p2p/1 responder";
const CTX_INITIATOR: &[u8] = b"aether-p2p/1 initiator";

/// Why a handshake failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// The message does not have the expected type byte.
    #[error("expected handshake message {expected:#04x}, got {found:#04x}")]
    UnexpectedMessage {
        /// Type expected.
        expected: u8,
        /// Type found (0 for an empty message).
        found: u8,
    },
    /// The message length is wrong for its type.
    #[error("handshake message {kind:#04x} has {len} bytes, allowed {min}..={max}")]
    BadLength {
        /// Message type.
        kind: u8,
        /// Length received.
        len: usize,
        /// Minimum.
        min: usize,
        /// Maximum.
        max: usize,
    },
    /// The peer speaks another handshake version.
    #[error("handshake version {found} is not supported (we speak {HANDSHAKE_VERSION})")]
    UnsupportedVersion {
        /// Version offered.
        found: u8,
    },
    /// The peer's ephemeral key gives a non-contributory (all-zero) shared secret.
    #[error("peer ephemeral key is a low-order point")]
    WeakEphemeral,
    /// The encrypted identity block did not authenticate.
    #[error("handshake message {kind:#04x} failed authentication")]
    Decrypt {
        /// Message type.
        kind: u8,
    },
    /// The identity block is malformed.
    #[error("malformed identity block: {reason}")]
    BadIdentity {
        /// What was wrong.
        reason: String,
    },
    /// The transcript signature does not verify under the presented key.
    #[error("transcript signature of {key} does not verify")]
    BadSignature {
        /// The key presented.
        key: PeerKey,
    },
}

/// Who the peer proved to be: its long-term key and the agent id it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// Long-term ed25519 key (proven by the transcript signature).
    pub key: PeerKey,
    /// Agent id the peer claims (to be checked against its card).
    pub agent_id: AgentId,
}

/// Keys for the established session.
pub struct TrafficKeys {
    /// Encrypts what we send.
    pub sealer: Sealer,
    /// Decrypts what we receive.
    pub opener: Opener,
    /// The final transcript hash `h3`, identical on both sides.
    pub session_id: [u8; 32],
}

/// Draws the ephemeral secret from `rng` through x25519-dalek's own `rand_core` generation.
fn ephemeral(rng: &mut dyn RandomSource) -> EphemeralSecret {
    struct Bridge<'a>(&'a mut dyn RandomSource);
    impl x25519_dalek::rand_core::TryRng for Bridge<'_> {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            let mut b = [0u8; 4];
            self.0.fill(&mut b);
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            let mut b = [0u8; 8];
            self.0.fill(&mut b);
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            self.0.fill(dst);
            Ok(())
        }
    }
    impl x25519_dalek::rand_core::TryCryptoRng for Bridge<'_> {}
    EphemeralSecret::random_from_rng(&mut Bridge(rng))
}

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn dh(secret: EphemeralSecret, theirs: [u8; 32]) -> Result<SharedSecret, HandshakeError> {
    let shared = secret.diffie_hellman(&XPublic::from(theirs));
    if shared.was_contributory() {
        Ok(shared)
    } else {
        Err(HandshakeError::WeakEphemeral)
    }
}

/// `(k_r2i, k_i2r)` handshake keys.
fn handshake_keys(salt: &[u8; 32], shared: &SharedSecret) -> ([u8; 32], [u8; 32]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), shared.as_bytes());
    let (mut r, mut i) = ([0u8; 32], [0u8; 32]);
    // `expand` fails only for outputs longer than 255 hash blocks; 32 bytes never do.
    let _ = hk.expand(b"aether-p2p/1 hs r2i", &mut r);
    let _ = hk.expand(b"aether-p2p/1 hs i2r", &mut i);
    (r, i)
}

/// `(i2r, r2i)` traffic keys.
fn traffic_keys(h3: &[u8; 32], shared: &SharedSecret) -> (DirectionKeys, DirectionKeys) {
    let hk = Hkdf::<Sha256>::new(Some(h3), shared.as_bytes());
    let mut i2r = DirectionKeys {
        key: [0; 32],
        iv: [0; 12],
    };
    let mut r2i = DirectionKeys {
        key: [0; 32],
        iv: [0; 12],
    };
    let _ = hk.expand(b"aether-p2p/1 i2r key", &mut i2r.key);
    let _ = hk.expand(b"aether-p2p/1 i2r iv", &mut i2r.iv);
    let _ = hk.expand(b"aether-p2p/1 r2i key", &mut r2i.key);
    let _ = hk.expand(b"aether-p2p/1 r2i iv", &mut r2i.iv);
    (i2r, r2i)
}

fn seal_once(key: &[u8; 32], aad: &[u8], mut plaintext: Vec<u8>) -> Vec<u8> {
    let cipher = Aes256Gcm::new(&(*key).into());
    // Cannot fail: the plaintext is at most MAX_ID_BLOCK bytes.
    let _ = cipher.encrypt_in_place(&Nonce::from([0u8; 12]), aad, &mut plaintext);
    plaintext
}

fn open_once(
    key: &[u8; 32],
    aad: &[u8],
    ciphertext: &[u8],
    kind: u8,
) -> Result<Vec<u8>, HandshakeError> {
    let cipher = Aes256Gcm::new(&(*key).into());
    let mut buf = ciphertext.to_vec();
    cipher
        .decrypt_in_place(&Nonce::from([0u8; 12]), aad, &mut buf)
        .map_err(|_| HandshakeError::Decrypt { kind })?;
    Ok(buf)
}

/// `key ‖ sig ‖ len ‖ agent_id`.
fn id_block(key: &PeerKey, sig: &[u8; 64], agent: &AgentId) -> Vec<u8> {
    let mut b = Vec::with_capacity(MAX_ID_BLOCK);
    b.extend_from_slice(&key.to_bytes());
    b.extend_from_slice(sig);
    // AgentId guarantees 1..=64 bytes, so the length fits a byte.
    b.push(u8::try_from(agent.as_str().len()).unwrap_or(u8::MAX));
    b.extend_from_slice(agent.as_str().as_bytes());
    b
}

fn signed_payload(ctx: &[u8], hash: &[u8; 32], key: &PeerKey, agent: &AgentId) -> Vec<u8> {
    let mut m = Vec::with_capacity(ctx.len() + 32 + 32 + 1 + agent.as_str().len());
    m.extend_from_slice(ctx);
    m.extend_from_slice(hash);
    m.extend_from_slice(&key.to_bytes());
    m.push(u8::try_from(agent.as_str().len()).unwrap_or(u8::MAX));
    m.extend_from_slice(agent.as_str().as_bytes());
    m
}

/// Parses and verifies an identity block.
fn read_id_block(
    block: &[u8],
    ctx: &[u8],
    hash: &[u8; 32],
) -> Result<PeerIdentity, HandshakeError> {
    let bad = |reason: &str| HandshakeError::BadIdentity {
        reason: reason.to_string(),
    };
    let (key_bytes, rest) = block
        .split_first_chunk::<32>()
        .ok_or_else(|| bad("short key"))?;
    let (sig, rest) = rest
        .split_first_chunk::<64>()
        .ok_or_else(|| bad("short signature"))?;
    let (&len, agent) = rest
        .split_first()
        .ok_or_else(|| bad("missing agent id length"))?;
    if agent.len() != usize::from(len) {
        return Err(bad(&format!(
            "agent id length byte {len} but {} bytes follow",
            agent.len()
        )));
    }
    let agent = std::str::from_utf8(agent).map_err(|_| bad("agent id is not UTF-8"))?;
    let agent_id = AgentId::new(agent).map_err(|e| bad(&e.to_string()))?;
    let key = PeerKey::from_slice(key_bytes).map_err(|e| bad(&e.to_string()))?;
    if !key.verify(&signed_payload(ctx, hash, &key, &agent_id), sig) {
        return Err(HandshakeError::BadSignature { key });
    }
    Ok(PeerIdentity { key, agent_id })
}

fn check_len(msg: &[u8], kind: u8, min: usize, max: usize) -> Result<(), HandshakeError> {
    let found = msg.first().copied().unwrap_or(0);
    if found != kind {
        return Err(HandshakeError::UnexpectedMessage {
            expected: kind,
            found,
        });
    }
    if msg.len() < min || msg.len() > max {
        return Err(HandshakeError::BadLength {
            kind,
            len: msg.len(),
            min,
            max,
        });
    }
    Ok(())
}

/// The initiator before msg2 arrives.
pub struct Initiator {
    identity: Identity,
    agent_id: AgentId,
    secret: EphemeralSecret,
    h1: [u8; 32],
}

impl Initiator {
    /// Starts a handshake; returns the state and msg1 to send.
    pub fn start(
        identity: Identity,
        agent_id: AgentId,
        rng: &mut dyn RandomSource,
    ) -> (Self, Vec<u8>) {
        let secret = ephemeral(rng);
        let public = XPublic::from(&secret);
        let mut msg1 = Vec::with_capacity(MSG1_LEN);
        msg1.push(MSG1);
        msg1.push(HANDSHAKE_VERSION);
        msg1.extend_from_slice(public.as_bytes());
        let h1 = sha(&[&sha(&[PROTOCOL]), &msg1]);
        (
            Self {
                identity,
                agent_id,
                secret,
                h1,
            },
            msg1,
        )
    }

    /// Reads msg2: authenticates the responder. The ephemeral secret is consumed here.
    pub fn read_msg2(self, msg2: &[u8]) -> Result<InitiatorVerified, HandshakeError> {
        check_len(
            msg2,
            MSG2,
            1 + 32 + 32 + 64 + 1 + 1 + TAG_LEN,
            MAX_HANDSHAKE_MSG,
        )?;
        let mut e_r = [0u8; 32];
        e_r.copy_from_slice(&msg2[1..33]);
        let h1r = sha(&[&self.h1, &[MSG2], &e_r]);
        let shared = dh(self.secret, e_r)?;
        let (k_r2i, k_i2r) = handshake_keys(&h1r, &shared);
        let block = open_once(&k_r2i, &msg2[..33], &msg2[33..], MSG2)?;
        let peer = read_id_block(&block, CTX_RESPONDER, &h1r)?;
        let h2 = sha(&[&self.h1, msg2]);
        Ok(InitiatorVerified {
            identity: self.identity,
            agent_id: self.agent_id,
            shared,
            k_i2r,
            h2,
            peer,
        })
    }
}

/// The initiator after authenticating the responder, before sending msg3.
pub struct InitiatorVerified {
    identity: Identity,
    agent_id: AgentId,
    shared: SharedSecret,
    k_i2r: [u8; 32],
    h2: [u8; 32],
    peer: PeerIdentity,
}

impl InitiatorVerified {
    /// The responder's proven identity (check it against the card before [`Self::finish`]).
    pub fn peer(&self) -> &PeerIdentity {
        &self.peer
    }

    /// Produces msg3 and the traffic keys; `max_record` bounds incoming records.
    pub fn finish(self, max_record: usize) -> (Vec<u8>, TrafficKeys, PeerIdentity) {
        let me = self.identity.public_key();
        let sig = self.identity.sign(&signed_payload(
            CTX_INITIATOR,
            &self.h2,
            &me,
            &self.agent_id,
        ));
        let mut msg3 = vec![MSG3];
        msg3.extend_from_slice(&seal_once(
            &self.k_i2r,
            &[MSG3],
            id_block(&me, &sig, &self.agent_id),
        ));
        let h3 = sha(&[&self.h2, &msg3]);
        let (i2r, r2i) = traffic_keys(&h3, &self.shared);
        let keys = TrafficKeys {
            sealer: Sealer::new(&i2r),
            opener: Opener::new(&r2i, max_record),
            session_id: h3,
        };
        (msg3, keys, self.peer)
    }
}

/// The responder before msg1 arrives (its ephemeral is drawn up front).
pub struct Responder {
    identity: Identity,
    agent_id: AgentId,
    secret: EphemeralSecret,
}

impl Responder {
    /// Prepares a responder.
    pub fn new(identity: Identity, agent_id: AgentId, rng: &mut dyn RandomSource) -> Self {
        Self {
            identity,
            agent_id,
            secret: ephemeral(rng),
        }
    }

    /// Reads msg1 and produces msg2. The ephemeral secret is consumed here.
    pub fn read_msg1(self, msg1: &[u8]) -> Result<(ResponderSent, Vec<u8>), HandshakeError> {
        check_len(msg1, MSG1, MSG1_LEN, MSG1_LEN)?;
        if msg1[1] != HANDSHAKE_VERSION {
            return Err(HandshakeError::UnsupportedVersion { found: msg1[1] });
        }
        let mut e_i = [0u8; 32];
        e_i.copy_from_slice(&msg1[2..34]);
        let h1 = sha(&[&sha(&[PROTOCOL]), msg1]);
        let e_r = XPublic::from(&self.secret).to_bytes();
        let h1r = sha(&[&h1, &[MSG2], &e_r]);
        let shared = dh(self.secret, e_i)?;
        let (k_r2i, k_i2r) = handshake_keys(&h1r, &shared);
        let me = self.identity.public_key();
        let sig = self
            .identity
            .sign(&signed_payload(CTX_RESPONDER, &h1r, &me, &self.agent_id));
        let mut msg2 = Vec::with_capacity(MAX_HANDSHAKE_MSG);
        msg2.push(MSG2);
        msg2.extend_from_slice(&e_r);
        let ct = seal_once(&k_r2i, &msg2, id_block(&me, &sig, &self.agent_id));
        msg2.extend_from_slice(&ct);
        let h2 = sha(&[&h1, &msg2]);
        Ok((ResponderSent { shared, k_i2r, h2 }, msg2))
    }
}

/// The responder after sending msg2.
pub struct ResponderSent {
    shared: SharedSecret,
    k_i2r: [u8; 32],
    h2: [u8; 32],
}

impl ResponderSent {
    /// Reads msg3: authenticates the initiator and derives the traffic keys.
    pub fn read_msg3(
        self,
        msg3: &[u8],
        max_record: usize,
    ) -> Result<(TrafficKeys, PeerIdentity), HandshakeError> {
        check_len(
            msg3,
            MSG3,
            1 + 32 + 64 + 1 + 1 + TAG_LEN,
            1 + MAX_ID_BLOCK + TAG_LEN,
        )?;
        let block = open_once(&self.k_i2r, &[MSG3], &msg3[1..], MSG3)?;
        let peer = read_id_block(&block, CTX_INITIATOR, &self.h2)?;
        let h3 = sha(&[&self.h2, msg3]);
        let (i2r, r2i) = traffic_keys(&h3, &self.shared);
        let keys = TrafficKeys {
            sealer: Sealer::new(&r2i),
            opener: Opener::new(&i2r, max_record),
            session_id: h3,
        };
        Ok((keys, peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p2p::random::SeededRandom;

    fn ids() -> (Identity, AgentId, Identity, AgentId) {
        (
            Identity::from_seed(&[1; 32]),
            AgentId::new("alice").unwrap(),
            Identity::from_seed(&[2; 32]),
            AgentId::new("bob").unwrap(),
        )
    }

    #[test]
    fn both_sides_agree_and_learn_each_other() {
        let (a, aid, b, bid) = ids();
        let mut rng = SeededRandom::from_u64(5);
        let (init, m1) = Initiator::start(a.clone(), aid.clone(), &mut rng);
        let resp = Responder::new(b.clone(), bid.clone(), &mut rng);
        let (resp, m2) = resp.read_msg1(&m1).unwrap();
        let init = init.read_msg2(&m2).unwrap();
        assert_eq!(
            init.peer(),
            &PeerIdentity {
                key: b.public_key(),
                agent_id: bid
            }
        );
        let (m3, mut ik, _) = init.finish(1 << 16);
        let (mut rk, peer) = resp.read_msg3(&m3, 1 << 16).unwrap();
        assert_eq!(
            peer,
            PeerIdentity {
                key: a.public_key(),
                agent_id: aid
            }
        );
        assert_eq!(ik.session_id, rk.session_id);
        let mut rec = Vec::new();
        ik.sealer.seal(b"hi", &mut rec).unwrap();
        assert_eq!(rk.opener.open(&rec).unwrap(), b"hi");
        rec.clear();
        rk.sealer.seal(b"yo", &mut rec).unwrap();
        assert_eq!(ik.opener.open(&rec).unwrap(), b"yo");
    }

    #[test]
    fn tampered_msg2_and_msg3_are_refused() {
        let (a, aid, b, bid) = ids();
        let mut rng = SeededRandom::from_u64(6);
        let (init, m1) = Initiator::start(a, aid, &mut rng);
        let (resp, m2) = Responder::new(b, bid, &mut rng).read_msg1(&m1).unwrap();
        let mut bad2 = m2.clone();
        bad2[40] ^= 0x80;
        assert_eq!(
            init.read_msg2(&bad2).err(),
            Some(HandshakeError::Decrypt { kind: MSG2 })
        );
        let mut rng = SeededRandom::from_u64(6);
        let (init, _) = Initiator::start(
            Identity::from_seed(&[1; 32]),
            AgentId::new("alice").unwrap(),
            &mut rng,
        );
        let (m3, _, _) = init.read_msg2(&m2).unwrap().finish(1024);
        let mut bad3 = m3.clone();
        bad3[5] ^= 1;
        assert_eq!(
            resp.read_msg3(&bad3, 1024).err(),
            Some(HandshakeError::Decrypt { kind: MSG3 })
        );
    }

    #[test]
    fn low_order_ephemeral_is_refused() {
        let (_, _, b, bid) = ids();
        let mut msg1 = vec![MSG1, HANDSHAKE_VERSION];
        msg1.extend_from_slice(&[0u8; 32]);
        let r = Responder::new(b, bid, &mut SeededRandom::from_u64(1)).read_msg1(&msg1);
        assert_eq!(r.err(), Some(HandshakeError::WeakEphemeral));
    }
}
