//! Sans-IO session tests: two in-memory peers, frames moved by hand, time chosen by the test.

use std::time::{Duration, Instant};

use aether_agent::p2p::handshake::{Initiator, Responder};
use aether_agent::p2p::message::{Capabilities, Encoding};
use aether_agent::p2p::{
    AgentId, CloseReason, Compression, Envelope, Event, Identity, Kind, MessageId, PeerPolicy,
    SeededRandom, Session, SessionConfig, SessionError, SessionMessage,
};

fn ids() -> (Identity, Identity) {
    (
        Identity::from_seed(&[0xA1; 32]),
        Identity::from_seed(&[0xB2; 32]),
    )
}

fn cfg(policy: PeerPolicy) -> SessionConfig {
    SessionConfig {
        peer_policy: policy,
        ..SessionConfig::default()
    }
}

fn pair(ca: SessionConfig, cb: SessionConfig, t0: Instant) -> (Session, Session) {
    let (a, b) = ids();
    let mut rng = SeededRandom::from_u64(42);
    let alice = Session::initiator(a, AgentId::new("alice").unwrap(), ca, &mut rng, t0).unwrap();
    let bob = Session::responder(b, AgentId::new("bob").unwrap(), cb, &mut rng, t0).unwrap();
    (alice, bob)
}

/// Moves frames both ways until neither side has anything to send; returns the frames a→b and b→a.
fn pump(a: &mut Session, b: &mut Session, now: Instant) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut ab, mut ba) = (Vec::new(), Vec::new());
    loop {
        let mut moved = false;
        while let Some(f) = a.poll_transmit() {
            let _ = b.handle_frame(&f, now);
            ab.push(f);
            moved = true;
        }
        while let Some(f) = b.poll_transmit() {
            let _ = a.handle_frame(&f, now);
            ba.push(f);
            moved = true;
        }
        if !moved {
            return (ab, ba);
        }
    }
}

fn events(s: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn env(n: u8, payload: &[u8]) -> Envelope {
    Envelope {
        id: MessageId([n; 16]),
        kind: Kind::Oneway,
        correlation_id: None,
        timestamp_ms: 1_700_000_000_000 + u64::from(n),
        msg_type: "test.msg".into(),
        encoding: Encoding::None,
        payload: payload.to_vec(),
    }
}

fn established(t0: Instant) -> (Session, Session) {
    let (mut a, mut b) = pair(cfg(PeerPolicy::AcceptAny), cfg(PeerPolicy::AcceptAny), t0);
    pump(&mut a, &mut b, t0);
    assert!(a.is_established() && b.is_established());
    events(&mut a);
    events(&mut b);
    (a, b)
}

#[test]
fn handshake_establishes_and_data_flows_both_ways() {
    let t0 = Instant::now();
    let (mut a, mut b) = pair(
        cfg(PeerPolicy::Expect(ids().1.public_key())),
        cfg(PeerPolicy::AcceptAny),
        t0,
    );
    let (ab, ba) = pump(&mut a, &mut b, t0);
    // msg1, then msg3 + HELLO; msg2, then ACCEPT.
    assert_eq!((ab.len(), ba.len()), (3, 2));
    let ea = events(&mut a);
    let eb = events(&mut b);
    let (
        Some(Event::Established {
            peer: pa,
            session_id: sa,
            negotiated,
        }),
        Some(Event::Established {
            peer: pb,
            session_id: sb,
            ..
        }),
    ) = (ea.first(), eb.first())
    else {
        panic!("not established: {ea:?} {eb:?}");
    };
    assert_eq!(pa.agent_id.as_str(), "bob");
    assert_eq!(pb.agent_id.as_str(), "alice");
    assert_eq!(pb.key, ids().0.public_key());
    assert_eq!(sa, sb);
    assert_eq!(negotiated.compression, Compression::Aether);

    a.send(env(1, b"{\"hello\":1}"), t0).unwrap();
    b.send(env(2, b"{\"hello\":2}"), t0).unwrap();
    pump(&mut a, &mut b, t0);
    assert_eq!(
        events(&mut b),
        vec![Event::Message(env(1, b"{\"hello\":1}"))]
    );
    assert_eq!(
        events(&mut a),
        vec![Event::Message(env(2, b"{\"hello\":2}"))]
    );
}

#[test]
fn negotiation_picks_common_compression_and_smaller_frame() {
    let t0 = Instant::now();
    let ca = SessionConfig {
        compression: vec![Compression::None],
        max_frame: 4096,
        ..cfg(PeerPolicy::AcceptAny)
    };
    let (mut a, mut b) = pair(ca, cfg(PeerPolicy::AcceptAny), t0);
    pump(&mut a, &mut b, t0);
    events(&mut b);
    for s in [&a, &b] {
        let n = s.negotiated().unwrap();
        assert_eq!((n.compression, n.max_frame), (Compression::None, 4096));
    }
    // Over the negotiated frame size: refused locally, session stays usable.
    let err = a.send(env(1, &[b'x'; 5000]), t0).unwrap_err();
    assert!(
        matches!(err, SessionError::MessageTooLarge { max: 4096, .. }),
        "{err:?}"
    );
    assert!(a.is_established());
    a.send(env(2, b"1"), t0).unwrap();
    pump(&mut a, &mut b, t0);
    assert_eq!(events(&mut b).len(), 1);
}

#[test]
fn large_payloads_are_compressed_and_restored() {
    let t0 = Instant::now();
    let payload: Vec<u8> = "{\"text\":\""
        .bytes()
        .chain(std::iter::repeat_n(b'a', 20_000))
        .chain("\"}".bytes())
        .collect();
    for offered in [Compression::Aether, Compression::Brotli] {
        let c = SessionConfig {
            compression: vec![offered, Compression::None],
            ..cfg(PeerPolicy::AcceptAny)
        };
        let (mut a, mut b) = pair(c.clone(), c, t0);
        pump(&mut a, &mut b, t0);
        events(&mut b);
        assert_eq!(a.negotiated().map(|n| n.compression), Some(offered));
        a.send(env(9, &payload), t0).unwrap();
        let (ab, _) = pump(&mut a, &mut b, t0);
        assert!(
            ab[0].len() < payload.len() / 10,
            "{offered:?}: frame of {} bytes",
            ab[0].len()
        );
        assert_eq!(
            events(&mut b),
            vec![Event::Message(env(9, &payload))],
            "{offered:?}"
        );
        // Non-JSON payloads still travel (uncompressed when the codec refuses them).
        let binary: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        a.send(env(10, &binary), t0).unwrap();
        pump(&mut a, &mut b, t0);
        assert_eq!(
            events(&mut b),
            vec![Event::Message(env(10, &binary))],
            "{offered:?}"
        );
    }
}

#[test]
fn wrong_peer_key_is_refused_by_the_initiator() {
    let t0 = Instant::now();
    let stranger = Identity::from_seed(&[0xCC; 32]).public_key();
    let (mut a, mut b) = pair(
        cfg(PeerPolicy::Expect(stranger)),
        cfg(PeerPolicy::AcceptAny),
        t0,
    );
    let (ab, _) = pump(&mut a, &mut b, t0);
    assert_eq!(ab.len(), 1, "msg3 must not be sent to an impostor");
    assert!(a.is_closed());
    assert!(matches!(
        events(&mut a).last(),
        Some(Event::Closed {
            reason: CloseReason::PeerRefused,
            ..
        })
    ));
}

#[test]
fn ask_policy_waits_for_the_application() {
    let t0 = Instant::now();
    let (mut a, mut b) = pair(cfg(PeerPolicy::Ask), cfg(PeerPolicy::Ask), t0);
    pump(&mut a, &mut b, t0);
    assert!(
        matches!(events(&mut a).as_slice(), [Event::PeerAuthenticated(p)] if p.agent_id.as_str() == "bob")
    );
    a.approve_peer(t0).unwrap();
    pump(&mut a, &mut b, t0);
    assert!(
        matches!(events(&mut b).as_slice(), [Event::PeerAuthenticated(p)] if p.agent_id.as_str() == "alice")
    );
    // HELLO arrived while bob was deciding: it is parked, then processed on approval.
    assert!(!b.is_established());
    b.approve_peer(t0).unwrap();
    pump(&mut a, &mut b, t0);
    assert!(a.is_established() && b.is_established());

    // Refusal: the responder tells the initiator why.
    let (mut a, mut b) = pair(cfg(PeerPolicy::AcceptAny), cfg(PeerPolicy::Ask), t0);
    pump(&mut a, &mut b, t0);
    events(&mut b);
    let err = b.refuse_peer("key does not match card");
    assert!(matches!(err, SessionError::PeerRefused { .. }));
    pump(&mut a, &mut b, t0);
    assert!(a.is_closed());
    assert!(matches!(
        events(&mut a).last(),
        Some(Event::Closed {
            reason: CloseReason::PeerRefused,
            by_peer: true,
            ..
        })
    ));
}

#[test]
fn replayed_reordered_and_tampered_frames_close_the_session_without_delivery() {
    let t0 = Instant::now();
    // Replay.
    let (mut a, mut b) = established(t0);
    a.send(env(1, b"1"), t0).unwrap();
    let f1 = a.poll_transmit().unwrap();
    b.handle_frame(&f1, t0).unwrap();
    let err = b.handle_frame(&f1, t0).unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Record(aether_agent::p2p::RecordError::Replayed { .. })
        ),
        "{err:?}"
    );
    let ev = events(&mut b);
    assert_eq!(
        ev.iter().filter(|e| matches!(e, Event::Message(_))).count(),
        1
    );
    assert!(matches!(
        ev.last(),
        Some(Event::Closed {
            reason: CloseReason::BadRecord,
            by_peer: false,
            ..
        })
    ));
    // The CLOSE reaches the peer with the reason.
    pump(&mut a, &mut b, t0);
    assert!(matches!(
        events(&mut a).last(),
        Some(Event::Closed {
            reason: CloseReason::BadRecord,
            by_peer: true,
            ..
        })
    ));

    // Reorder.
    let (mut a, mut b) = established(t0);
    a.send(env(1, b"1"), t0).unwrap();
    a.send(env(2, b"2"), t0).unwrap();
    let (_f1, f2) = (a.poll_transmit().unwrap(), a.poll_transmit().unwrap());
    assert!(matches!(
        b.handle_frame(&f2, t0),
        Err(SessionError::Record(
            aether_agent::p2p::RecordError::OutOfOrder { .. }
        ))
    ));
    assert!(
        !events(&mut b)
            .iter()
            .any(|e| matches!(e, Event::Message(_)))
    );
    assert!(b.is_closed());

    // Truncated frame.
    let (mut a, mut b) = established(t0);
    a.send(env(1, b"1"), t0).unwrap();
    let f1 = a.poll_transmit().unwrap();
    assert!(b.handle_frame(&f1[..f1.len() - 1], t0).is_err());
    assert!(
        !events(&mut b)
            .iter()
            .any(|e| matches!(e, Event::Message(_)))
    );
}

#[test]
fn every_single_bit_flip_in_a_data_frame_is_rejected() {
    let t0 = Instant::now();
    let (mut a, _) = established(t0);
    a.send(env(7, b"{\"amount\":100}"), t0).unwrap();
    let frame = a.poll_transmit().unwrap();
    for bit in 0..frame.len() * 8 {
        let (_, mut b) = established(t0);
        let mut bad = frame.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(b.handle_frame(&bad, t0).is_err(), "bit {bit} accepted");
        assert!(
            !events(&mut b)
                .iter()
                .any(|e| matches!(e, Event::Message(_))),
            "bit {bit} delivered"
        );
        assert!(b.is_closed());
    }
    // The untouched frame is accepted by a fresh peer in the same state.
    let (_, mut b) = established(t0);
    b.handle_frame(&frame, t0).unwrap();
}

#[test]
fn version_mismatch_is_rejected_with_a_reason() {
    let (ia, ib) = ids();
    let mut rng = SeededRandom::from_u64(3);
    let t0 = Instant::now();
    // A hand-made initiator that speaks major version 2.
    let (init, m1) = Initiator::start(ia, AgentId::new("alice").unwrap(), &mut rng);
    let mut bob = Session::responder(
        ib,
        AgentId::new("bob").unwrap(),
        cfg(PeerPolicy::AcceptAny),
        &mut rng,
        t0,
    )
    .unwrap();
    bob.handle_frame(&m1, t0).unwrap();
    let m2 = bob.poll_transmit().unwrap();
    let (m3, mut keys, _) = init.read_msg2(&m2).unwrap().finish(1 << 20);
    bob.handle_frame(&m3, t0).unwrap();
    let hello = SessionMessage::Hello(Capabilities {
        major: 2,
        minor: 0,
        max_frame: 65536,
        compression: vec!["none".into()],
    });
    let mut rec = Vec::new();
    keys.sealer.seal(&hello.to_bytes(), &mut rec).unwrap();
    assert!(matches!(
        bob.handle_frame(&rec, t0),
        Err(SessionError::VersionMismatch { ours: 1, theirs: 2 })
    ));
    let reject = keys.opener.open(&bob.poll_transmit().unwrap()).unwrap();
    assert!(matches!(
        SessionMessage::decode(&reject),
        Ok(SessionMessage::Reject { code: 4, .. })
    ));
    assert!(bob.is_closed());
}

#[test]
fn handshake_timeout() {
    let t0 = Instant::now();
    let (mut a, _b) = pair(cfg(PeerPolicy::AcceptAny), cfg(PeerPolicy::AcceptAny), t0);
    let deadline = a.poll_timeout().unwrap();
    assert_eq!(deadline, t0 + SessionConfig::default().handshake_timeout);
    a.handle_timeout(deadline - Duration::from_millis(1))
        .unwrap();
    assert!(!a.is_closed());
    let err = a.handle_timeout(deadline).unwrap_err();
    assert!(matches!(
        err,
        SessionError::Timeout {
            which: "handshake",
            ..
        }
    ));
    assert!(matches!(
        events(&mut a).last(),
        Some(Event::Closed {
            reason: CloseReason::HandshakeTimeout,
            ..
        })
    ));
}

#[test]
fn keepalive_ping_pong_and_timeout() {
    let t0 = Instant::now();
    let c = SessionConfig::default();
    let (mut a, mut b) = established(t0);
    // After the keep-alive interval without frames, both sides ping; the pongs clear the timers.
    let t1 = t0 + c.keepalive_interval;
    a.handle_timeout(t1).unwrap();
    let ping = a.poll_transmit().expect("a ping");
    b.handle_frame(&ping, t1).unwrap();
    let pong = b.poll_transmit().expect("a pong");
    a.handle_frame(&pong, t1).unwrap();
    assert!(
        a.poll_timeout().unwrap() > t1 + c.keepalive_timeout,
        "pong cleared the deadline"
    );
    // A ping that is never answered closes the session.
    let t2 = t1 + c.keepalive_interval;
    a.handle_timeout(t2).unwrap();
    assert!(a.poll_transmit().is_some());
    let err = a.handle_timeout(t2 + c.keepalive_timeout).unwrap_err();
    assert!(matches!(
        err,
        SessionError::Timeout {
            which: "keep-alive",
            ..
        }
    ));
    assert!(matches!(
        events(&mut a).last(),
        Some(Event::Closed {
            reason: CloseReason::KeepAliveTimeout,
            ..
        })
    ));
}

#[test]
fn idle_timeout_closes_both_sides_with_reason() {
    let t0 = Instant::now();
    let c = SessionConfig {
        idle_timeout: Duration::from_secs(30),
        keepalive_interval: Duration::from_secs(3600),
        ..cfg(PeerPolicy::AcceptAny)
    };
    let (mut a, mut b) = pair(c.clone(), c, t0);
    pump(&mut a, &mut b, t0);
    let t1 = t0 + Duration::from_secs(20);
    a.send(env(1, b"1"), t1).unwrap();
    pump(&mut a, &mut b, t1);
    // Data at t1 pushed the deadline to t1 + 30 s.
    assert_eq!(a.poll_timeout(), Some(t1 + Duration::from_secs(30)));
    a.handle_timeout(t0 + Duration::from_secs(30)).unwrap();
    assert!(a.is_established());
    assert!(a.handle_timeout(t1 + Duration::from_secs(30)).is_err());
    pump(&mut a, &mut b, t1);
    assert!(matches!(
        events(&mut b).last(),
        Some(Event::Closed {
            reason: CloseReason::IdleTimeout,
            by_peer: true,
            ..
        })
    ));
}

#[test]
fn orderly_close_and_transport_truncation() {
    let t0 = Instant::now();
    let (mut a, mut b) = established(t0);
    a.close(CloseReason::Normal, "done");
    pump(&mut a, &mut b, t0);
    assert_eq!(
        events(&mut b),
        vec![Event::Closed {
            reason: CloseReason::Normal,
            message: "done".into(),
            by_peer: true
        }]
    );
    assert!(matches!(
        a.send(env(1, b"1"), t0),
        Err(SessionError::NotEstablished { .. })
    ));

    let (_, mut b) = established(t0);
    b.transport_closed();
    assert!(matches!(
        events(&mut b).as_slice(),
        [Event::Closed {
            reason: CloseReason::TransportClosed,
            ..
        }]
    ));
}

#[test]
fn responder_refuses_a_wrong_expected_key_and_bad_config_is_named() {
    let t0 = Instant::now();
    let stranger = Identity::from_seed(&[0xDD; 32]).public_key();
    let (mut a, mut b) = pair(
        cfg(PeerPolicy::AcceptAny),
        cfg(PeerPolicy::Expect(stranger)),
        t0,
    );
    pump(&mut a, &mut b, t0);
    assert!(a.is_closed() && b.is_closed());
    assert!(matches!(
        events(&mut a).last(),
        Some(Event::Closed {
            reason: CloseReason::PeerRefused,
            by_peer: true,
            ..
        })
    ));

    let bad = SessionConfig {
        max_frame: 10,
        ..SessionConfig::default()
    };
    let r = Session::responder(
        ids().1,
        AgentId::new("b").unwrap(),
        bad,
        &mut SeededRandom::from_u64(1),
        t0,
    );
    assert!(matches!(
        r,
        Err(SessionError::InvalidConfig {
            field: "max_frame",
            ..
        })
    ));
    let _ = Responder::new(
        ids().1,
        AgentId::new("b").unwrap(),
        &mut SeededRandom::from_u64(1),
    );
}
