//! Golden bytes of the handshake and the first records for fixed keys and fixed randomness,
//! plus property tests: random bytes never panic the decoders, flipped bits are always refused.
//!
//! A change in the golden bytes is a protocol break: bump `HANDSHAKE_VERSION` / `PROTOCOL_MAJOR`.

use std::time::Instant;

use aether_agent::p2p::handshake::{Initiator, Responder};
use aether_agent::p2p::message::Encoding;
use aether_agent::p2p::{
    AgentId, Envelope, Identity, Kind, MessageId, PeerPolicy, SeededRandom, Session, SessionConfig,
    SessionMessage,
};
use proptest::prelude::*;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Transcript {
    msg1: Vec<u8>,
    msg2: Vec<u8>,
    msg3: Vec<u8>,
    hello: Vec<u8>,
    accept: Vec<u8>,
    first_data: Vec<u8>,
}

fn envelope() -> Envelope {
    Envelope {
        id: MessageId([0x01; 16]),
        kind: Kind::Request,
        correlation_id: None,
        timestamp_ms: 1_767_225_600_000,
        msg_type: "task.offer".into(),
        encoding: Encoding::None,
        payload: br#"{"task":"translate","text":"hello"}"#.to_vec(),
    }
}

fn run_fixed() -> Transcript {
    let t0 = Instant::now();
    let cfg = SessionConfig {
        peer_policy: PeerPolicy::AcceptAny,
        ..SessionConfig::default()
    };
    let mut a = Session::initiator(
        Identity::from_seed(&[0x11; 32]),
        AgentId::new("1").unwrap(),
        cfg.clone(),
        &mut SeededRandom::from_u64(1),
        t0,
    )
    .unwrap();
    let mut b = Session::responder(
        Identity::from_seed(&[0x22; 32]),
        AgentId::new("2").unwrap(),
        cfg,
        &mut SeededRandom::from_u64(2),
        t0,
    )
    .unwrap();
    let msg1 = a.poll_transmit().unwrap();
    b.handle_frame(&msg1, t0).unwrap();
    let msg2 = b.poll_transmit().unwrap();
    a.handle_frame(&msg2, t0).unwrap();
    let msg3 = a.poll_transmit().unwrap();
    let hello = a.poll_transmit().unwrap();
    b.handle_frame(&msg3, t0).unwrap();
    b.handle_frame(&hello, t0).unwrap();
    let accept = b.poll_transmit().unwrap();
    a.handle_frame(&accept, t0).unwrap();
    a.send(envelope(), t0).unwrap();
    let first_data = a.poll_transmit().unwrap();
    b.handle_frame(&first_data, t0).unwrap();
    Transcript {
        msg1,
        msg2,
        msg3,
        hello,
        accept,
        first_data,
    }
}

#[test]
fn golden_handshake_and_first_frames() {
    let t = run_fixed();
    // Reproducible: same keys and seeds, same bytes.
    let again = run_fixed();
    assert_eq!(
        (t.msg2.clone(), t.first_data.clone()),
        (again.msg2, again.first_data)
    );
    let got = [
        ("msg1", hex(&t.msg1)),
        ("msg2", hex(&t.msg2)),
        ("msg3", hex(&t.msg3)),
        ("hello", hex(&t.hello)),
        ("accept", hex(&t.accept)),
        ("first_data", hex(&t.first_data)),
    ];
    let want = [
        ("msg1", GOLDEN_MSG1),
        ("msg2", GOLDEN_MSG2),
        ("msg3", GOLDEN_MSG3),
        ("hello", GOLDEN_HELLO),
        ("accept", GOLDEN_ACCEPT),
        ("first_data", GOLDEN_FIRST_DATA),
    ];
    let changed: Vec<&str> = got
        .iter()
        .zip(want)
        .filter(|((_, g), (_, w))| g != w)
        .map(|((n, _), _)| *n)
        .collect();
    for (name, g) in &got {
        if changed.contains(name) {
            eprintln!("{name} is now {g}");
        }
    }
    assert!(
        changed.is_empty(),
        "{changed:?} changed: this is a protocol break"
    );
    // Independent check of msg1: the ephemeral is X25519(first 32 seeded bytes, base point).
    let mut secret = [0u8; 32];
    aether_agent::p2p::RandomSource::fill(&mut SeededRandom::from_u64(1), &mut secret);
    let public = x25519_dalek::x25519(secret, x25519_dalek::X25519_BASEPOINT_BYTES);
    assert_eq!(&t.msg1[2..], &public[..]);
    // Structure: lengths follow the spec in handshake.rs and record.rs.
    assert_eq!(t.msg1.len(), 34);
    assert_eq!(t.msg2.len(), 1 + 32 + (32 + 64 + 1 + 1) + 16);
    assert_eq!(t.msg3.len(), 1 + (32 + 64 + 1 + 1) + 16);
    assert_eq!(
        t.first_data.len(),
        SessionMessage::Data(envelope()).to_bytes().len() + 9 + 16
    );
    assert_eq!(
        &t.first_data[..9],
        &[0x17, 0, 0, 0, 0, 0, 0, 0, 1],
        "second record from the initiator (after HELLO)"
    );
}

const GOLDEN_MSG1: &str = "01015c9748a194810df9325fc8a11d19222457341bf45874fe2d695a7525253f4941";
const GOLDEN_MSG2: &str = "022a2aacf3adc5e8c8acf434fabd05b7fcd484c822d4fe98951868c0d8a67277148331c51978545623bad503e9722a81d1be46fb7643213b4c2f0ba542c19f30a22f55549e679e68a64e389a146b8fadaf473ade6029ad2be03b1ab50320a23e0abd7297deecab25fecbb391edd5ffa5c0e37a1940ac90f2370889dcbb80522a1c480d478f7e5a45957daabd00cb1fa7bd3756";
const GOLDEN_MSG3: &str = "03d8dc26c1dea8fe15b7bc5df8c12e788afcb84d153c2c2680f9d78d778d7f483e58c5683f0b487fa10bf09ff4b735de323e15084320c92a004f342f9998d54890b9aa3108760821d8f63234863d19e4d8d7ecab04d417df44e8c13d8f4abcf2ae1d4982c2d39c7d554deba0e5251dcc61698f";
const GOLDEN_HELLO: &str = "17000000000000000016a614231ad4dcee1c4f103868907359ff4eec43b4e17ba87bf4b98c92fbc170fd2635d2bc0609999b8f1e";
const GOLDEN_ACCEPT: &str =
    "17000000000000000070e523144a4691a498e70229398b5aa8b293803c63003db30d3a54b49af2";
const GOLDEN_FIRST_DATA: &str = "170000000000000001727293c7b18a45e25bbec1c28a8304753b1ba7f8514eb661c563f1733e6e4b957d1022a9292a5e7c60e554180f4a3c05f8e5f42802c2563b22ec26ae33815f45e9446d931fb794e0aee1fe590413bae4cff388b5a491abfbc1259feedf13";

fn established_pair(t0: Instant) -> (Session, Session) {
    let cfg = SessionConfig {
        peer_policy: PeerPolicy::AcceptAny,
        ..SessionConfig::default()
    };
    let mut a = Session::initiator(
        Identity::from_seed(&[0x11; 32]),
        AgentId::new("1").unwrap(),
        cfg.clone(),
        &mut SeededRandom::from_u64(1),
        t0,
    )
    .unwrap();
    let mut b = Session::responder(
        Identity::from_seed(&[0x22; 32]),
        AgentId::new("2").unwrap(),
        cfg,
        &mut SeededRandom::from_u64(2),
        t0,
    )
    .unwrap();
    for _ in 0..4 {
        while let Some(f) = a.poll_transmit() {
            b.handle_frame(&f, t0).unwrap();
        }
        while let Some(f) = b.poll_transmit() {
            a.handle_frame(&f, t0).unwrap();
        }
    }
    assert!(a.is_established() && b.is_established());
    (a, b)
}

fn fresh_responder() -> Responder {
    Responder::new(
        Identity::from_seed(&[0x22; 32]),
        AgentId::new("2").unwrap(),
        &mut SeededRandom::from_u64(2),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_handshake_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..300), kind in 0u8..4) {
        let mut data = bytes;
        if let Some(first) = data.first_mut() { *first = kind; }
        let _ = fresh_responder().read_msg1(&data);
        let (init, _) = Initiator::start(Identity::from_seed(&[0x11; 32]), AgentId::new("1").unwrap(), &mut SeededRandom::from_u64(1));
        let _ = init.read_msg2(&data);
        let t = run_fixed();
        let (sent, _) = fresh_responder().read_msg1(&t.msg1).unwrap();
        let _ = sent.read_msg3(&data, 1 << 20);
    }

    #[test]
    fn random_bytes_never_panic_session_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = SessionMessage::decode(&bytes);
        let t0 = Instant::now();
        let cfg = SessionConfig { peer_policy: PeerPolicy::AcceptAny, ..SessionConfig::default() };
        // Into a responder awaiting msg1, and into an established session.
        let mut r = Session::responder(Identity::from_seed(&[3; 32]), AgentId::new("r").unwrap(), cfg, &mut SeededRandom::from_u64(9), t0).unwrap();
        let _ = r.handle_frame(&bytes, t0);
        let _ = r.handle_frame(&bytes, t0);
        // Into an established session's record decoder: refused, never delivered.
        let (_, mut b) = established_pair(t0);
        let mut record = bytes.clone();
        if let Some(first) = record.first_mut() { *first = 0x17; }
        prop_assert!(b.handle_frame(&record, t0).is_err());
        prop_assert!(!std::iter::from_fn(|| b.poll_event()).any(|e| matches!(e, aether_agent::p2p::Event::Message(_))));
    }

    #[test]
    fn any_flipped_bit_in_any_handshake_message_is_refused(which in 0usize..3, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let t = run_fixed();
        let t0 = Instant::now();
        let cfg = SessionConfig { peer_policy: PeerPolicy::AcceptAny, ..SessionConfig::default() };
        let mut a = Session::initiator(Identity::from_seed(&[0x11; 32]), AgentId::new("1").unwrap(), cfg.clone(), &mut SeededRandom::from_u64(1), t0).unwrap();
        let mut b = Session::responder(Identity::from_seed(&[0x22; 32]), AgentId::new("2").unwrap(), cfg, &mut SeededRandom::from_u64(2), t0).unwrap();
        let _ = a.poll_transmit();
        let mut msgs = [t.msg1.clone(), t.msg2.clone(), t.msg3.clone()];
        let i = pos.index(msgs[which].len());
        msgs[which][i] ^= 1 << bit;
        // msg1 carries only the ephemeral key: a flipped bit there gives a different DH, which the
        // initiator detects when msg2 does not authenticate.
        let r1 = b.handle_frame(&msgs[0], t0);
        let out2 = b.poll_transmit();
        let r2 = match (which, out2) {
            (0, Some(m2)) => a.handle_frame(&m2, t0),
            (_, _) => a.handle_frame(&msgs[1], t0),
        };
        let _ = a.poll_transmit();
        let r3_failed = r1.is_ok() && !b.is_closed() && b.handle_frame(&msgs[2], t0).is_err();
        let failed = r1.is_err() || r2.is_err() || r3_failed;
        prop_assert!(failed, "flip in msg{} at byte {} bit {} went unnoticed", which + 1, i, bit);
    }

    #[test]
    fn encoded_session_messages_round_trip(id in any::<[u8; 16]>(), ts in any::<u64>(), t in "[a-z.]{1,40}", payload in proptest::collection::vec(any::<u8>(), 0..256), corr in any::<Option<[u8; 16]>>()) {
        let m = SessionMessage::Data(Envelope { id: MessageId(id), kind: Kind::Oneway, correlation_id: corr.map(MessageId), timestamp_ms: ts, msg_type: t, encoding: Encoding::None, payload });
        prop_assert_eq!(SessionMessage::decode(&m.to_bytes()), Ok(m));
    }
}
