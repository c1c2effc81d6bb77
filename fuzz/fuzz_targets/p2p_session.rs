//! P2P session decoders: session messages, frames into a responder awaiting its handshake, and
//! records into an established session (which must refuse them and deliver nothing).
#![no_main]
use std::time::Instant;

use aether_agent::p2p::{
    AgentId, Event, Identity, PeerPolicy, SeededRandom, Session, SessionConfig, SessionMessage,
};
use libfuzzer_sys::fuzz_target;

fn config() -> SessionConfig {
    SessionConfig {
        peer_policy: PeerPolicy::AcceptAny,
        ..SessionConfig::default()
    }
}

fn established(t0: Instant) -> Session {
    let mut a = Session::initiator(
        Identity::from_seed(&[0x11; 32]),
        AgentId::new("1").expect("valid id"),
        config(),
        &mut SeededRandom::from_u64(1),
        t0,
    )
    .expect("initiator");
    let mut b = Session::responder(
        Identity::from_seed(&[0x22; 32]),
        AgentId::new("2").expect("valid id"),
        config(),
        &mut SeededRandom::from_u64(2),
        t0,
    )
    .expect("responder");
    for _ in 0..4 {
        while let Some(f) = a.poll_transmit() {
            b.handle_frame(&f, t0).expect("handshake frame");
        }
        while let Some(f) = b.poll_transmit() {
            a.handle_frame(&f, t0).expect("handshake frame");
        }
    }
    assert!(b.is_established());
    b
}

fuzz_target!(|data: &[u8]| {
    let _ = SessionMessage::decode(data);
    let t0 = Instant::now();
    if let Ok(mut r) = Session::responder(
        Identity::from_seed(&[3; 32]),
        AgentId::new("r").expect("valid id"),
        config(),
        &mut SeededRandom::from_u64(9),
        t0,
    ) {
        let _ = r.handle_frame(data, t0);
        let _ = r.handle_frame(data, t0);
    }
    let mut b = established(t0);
    let mut record = data.to_vec();
    if let Some(first) = record.first_mut() {
        *first = 0x17;
    }
    assert!(b.handle_frame(&record, t0).is_err(), "a forged record was accepted");
    while let Some(e) = b.poll_event() {
        assert!(!matches!(e, Event::Message(_)), "a forged record was delivered");
    }
});
