//! P2P benchmark on loopback TCP: handshake latency, then messages per second and round-trip
//! p50/p99 for 100 B, 2 KB and 64 KB payloads, encrypted (the real session: AES-256-GCM
//! records) against plaintext (the same session messages in the same length-delimited frames,
//! without the record layer), so the cost of encryption is visible. Prints a table.
//!
//! Run:
//! ```text
//! CARGO_TARGET_DIR=/work/targets/p2p cargo bench -p aether-agent --bench p2p
//! ```
//! `P2P_BENCH_SCALE` (default 1.0) scales every iteration count. Compression is off (payloads
//! are incompressible bytes) so only encryption differs between the two columns. Client and
//! server run on one tokio runtime with two worker threads; numbers are indicative, from a
//! shared machine, not a controlled lab.

use std::time::{Duration, Instant};

use aether_agent::p2p::message::Encoding;
use aether_agent::p2p::{
    AgentId, Compression, Envelope, Event, FrameIo, Identity, Kind, MessageId, PeerPolicy,
    RandomSource, SeededRandom, Session, SessionConfig, SessionMessage, StreamFrames,
};
use tokio::net::{TcpListener, TcpStream};

const MAX_FRAME: usize = 1 << 20;

fn config() -> SessionConfig {
    SessionConfig {
        peer_policy: PeerPolicy::AcceptAny,
        compression: vec![Compression::None],
        max_frame: MAX_FRAME,
        idle_timeout: Duration::from_secs(3600),
        keepalive_interval: Duration::from_secs(3600),
        ..SessionConfig::default()
    }
}

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// A message channel: encrypted session or plaintext baseline.
enum Chan {
    Encrypted(StreamFrames<TcpStream>, Box<Session>),
    Plain(StreamFrames<TcpStream>),
}

impl Chan {
    async fn flush(&mut self) {
        if let Chan::Encrypted(io, s) = self {
            while let Some(f) = s.poll_transmit() {
                io.send(f).await.expect("send");
            }
        }
    }

    async fn establish(&mut self) {
        let Chan::Encrypted(io, s) = self else { return };
        loop {
            while let Some(f) = s.poll_transmit() {
                io.send(f).await.expect("send");
            }
            if s.is_established() {
                while s.poll_event().is_some() {}
                return;
            }
            let f = io.recv().await.expect("open").expect("frame");
            s.handle_frame(&f, now()).expect("handshake");
        }
    }

    async fn send(&mut self, env: Envelope) {
        match self {
            Chan::Encrypted(_, s) => s.send(env, now()).expect("send"),
            Chan::Plain(io) => io
                .send(SessionMessage::Data(env).to_bytes())
                .await
                .expect("send"),
        }
        self.flush().await;
    }

    async fn recv(&mut self) -> Envelope {
        match self {
            Chan::Encrypted(io, s) => loop {
                if let Some(ev) = s.poll_event() {
                    if let Event::Message(e) = ev {
                        return e;
                    }
                    continue;
                }
                let f = io.recv().await.expect("open").expect("frame");
                s.handle_frame(&f, now()).expect("frame");
                while let Some(f) = s.poll_transmit() {
                    io.send(f).await.expect("send");
                }
            },
            Chan::Plain(io) => {
                let f = io.recv().await.expect("open").expect("frame");
                match SessionMessage::decode(&f).expect("decode") {
                    SessionMessage::Data(e) => e,
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

fn envelope(kind: Kind, msg_type: &str, payload: Vec<u8>) -> Envelope {
    Envelope {
        id: MessageId([7; 16]),
        kind,
        correlation_id: None,
        timestamp_ms: 0,
        msg_type: msg_type.into(),
        encoding: Encoding::None,
        payload,
    }
}

/// Server: echoes "echo" messages; counts "bulk" and answers "done" after "end".
async fn serve(mut chan: Chan) {
    chan.establish().await;
    loop {
        let e = chan.recv().await;
        match e.msg_type.as_str() {
            "echo" => chan.send(e).await,
            "end" => chan.send(envelope(Kind::Oneway, "done", vec![])).await,
            "quit" => return,
            _ => {}
        }
    }
}

async fn pair(encrypted: bool, seed: u64) -> Chan {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await.expect("accept");
        s.set_nodelay(true).expect("nodelay");
        s
    });
    let c = TcpStream::connect(addr).await.expect("connect");
    c.set_nodelay(true).expect("nodelay");
    let s = server.await.expect("join");
    let (cio, sio) = (
        StreamFrames::new(c, MAX_FRAME),
        StreamFrames::new(s, MAX_FRAME),
    );
    let (client, server) = if encrypted {
        let mut rng = SeededRandom::from_u64(seed);
        let a = Session::initiator(
            Identity::from_seed(&[1; 32]),
            AgentId::new("a").expect("id"),
            config(),
            &mut rng,
            now(),
        )
        .expect("session");
        let b = Session::responder(
            Identity::from_seed(&[2; 32]),
            AgentId::new("b").expect("id"),
            config(),
            &mut rng,
            now(),
        )
        .expect("session");
        (
            Chan::Encrypted(cio, Box::new(a)),
            Chan::Encrypted(sio, Box::new(b)),
        )
    } else {
        (Chan::Plain(cio), Chan::Plain(sio))
    };
    tokio::spawn(serve(server));
    let mut client = client;
    client.establish().await;
    client
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Row {
    msgs_per_s: f64,
    mb_per_s: f64,
    p50: Duration,
    p99: Duration,
}

async fn measure(encrypted: bool, size: usize, rtt_iters: usize, bulk: usize) -> Row {
    let mut payload = vec![0u8; size];
    SeededRandom::from_u64(size as u64).fill(&mut payload);
    let mut chan = pair(encrypted, 9).await;
    // Warm-up.
    for _ in 0..rtt_iters / 10 + 1 {
        chan.send(envelope(Kind::Request, "echo", payload.clone()))
            .await;
        chan.recv().await;
    }
    let mut rtts = Vec::with_capacity(rtt_iters);
    for _ in 0..rtt_iters {
        let t = Instant::now();
        chan.send(envelope(Kind::Request, "echo", payload.clone()))
            .await;
        chan.recv().await;
        rtts.push(t.elapsed());
    }
    rtts.sort();
    let t = Instant::now();
    for _ in 0..bulk {
        chan.send(envelope(Kind::Oneway, "bulk", payload.clone()))
            .await;
    }
    chan.send(envelope(Kind::Oneway, "end", vec![])).await;
    chan.recv().await;
    let secs = t.elapsed().as_secs_f64();
    chan.send(envelope(Kind::Oneway, "quit", vec![])).await;
    Row {
        msgs_per_s: bulk as f64 / secs,
        mb_per_s: (bulk * size) as f64 / secs / 1e6,
        p50: percentile(&rtts, 0.50),
        p99: percentile(&rtts, 0.99),
    }
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn main() {
    let scale: f64 = std::env::var("P2P_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let n = |x: usize| ((x as f64 * scale) as usize).max(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // Handshake: TCP connect + msg1/msg2/msg3 + HELLO/ACCEPT until the initiator is established.
        let iters = n(200);
        let mut hs = Vec::with_capacity(iters);
        for i in 0..iters {
            let t = Instant::now();
            let mut chan = pair(true, i as u64).await;
            hs.push(t.elapsed());
            chan.send(envelope(Kind::Oneway, "quit", vec![])).await;
        }
        let mut plain_connect = Vec::with_capacity(iters);
        for _ in 0..iters {
            let t = Instant::now();
            let mut chan = pair(false, 0).await;
            plain_connect.push(t.elapsed());
            chan.send(envelope(Kind::Oneway, "quit", vec![])).await;
        }
        hs.sort();
        plain_connect.sort();
        println!("p2p loopback benchmark ({iters} connections; scale {scale})");
        println!(
            "handshake (TCP connect + 3-message AKE + HELLO/ACCEPT): p50 {} us, p99 {} us; plain TCP connect: p50 {} us",
            us(percentile(&hs, 0.5)),
            us(percentile(&hs, 0.99)),
            us(percentile(&plain_connect, 0.5)),
        );
        println!();
        println!(
            "{:>7} | {:>9} | {:>12} {:>9} | {:>10} {:>10}",
            "payload", "mode", "msgs/s", "MB/s", "RTT p50 us", "RTT p99 us"
        );
        println!("{}", "-".repeat(70));
        for (size, rtt_iters, bulk) in [(100, n(3000), n(50_000)), (2048, n(3000), n(30_000)), (65_536, n(500), n(3000))] {
            for encrypted in [false, true] {
                let r = measure(encrypted, size, rtt_iters, bulk).await;
                println!(
                    "{:>7} | {:>9} | {:>12.0} {:>9.1} | {:>10} {:>10}",
                    size,
                    if encrypted { "encrypted" } else { "plaintext" },
                    r.msgs_per_s,
                    r.mb_per_s,
                    us(r.p50),
                    us(r.p99)
                );
            }
        }
    });
}
