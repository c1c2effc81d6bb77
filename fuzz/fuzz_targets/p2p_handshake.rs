//! P2P handshake decoders: msg1 into a fresh responder, msg2 into a fresh initiator, msg3 into a
//! responder that has answered a real msg1. Any input must be refused or accepted, never panic.
#![no_main]
use aether_agent::p2p::handshake::{Initiator, Responder};
use aether_agent::p2p::{AgentId, Identity, SeededRandom};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let responder = || {
        Responder::new(
            Identity::from_seed(&[0x22; 32]),
            AgentId::new("2").expect("valid id"),
            &mut SeededRandom::from_u64(2),
        )
    };
    let _ = responder().read_msg1(data);
    let (initiator, msg1) = Initiator::start(
        Identity::from_seed(&[0x11; 32]),
        AgentId::new("1").expect("valid id"),
        &mut SeededRandom::from_u64(1),
    );
    let _ = initiator.read_msg2(data);
    if let Ok((sent, _msg2)) = responder().read_msg1(&msg1) {
        let _ = sent.read_msg3(data, 1 << 20);
    }
});
