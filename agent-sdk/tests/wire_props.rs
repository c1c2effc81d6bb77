//! Property tests: every format round-trips arbitrary JSON byte for byte; corrupted, truncated
//! and random input never panics; decompression bombs are refused.
//!
//! These also serve as the random-input smoke run for the decoders when cargo-fuzz is not at
//! hand: `PROPTEST_CASES=5000 cargo test -p aether-agent --test wire_props`.

use std::io::Write as _;

use aether_agent::wire::{
    self, AeadKey, AetherFrame, Algorithm, DecodeError, EncodeError, EncodeOptions, Format,
    FrameOptions, Limits, Routing, V1Frame, sse,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,8}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Chat-shaped JSON, so routing extraction sees models, roles and usage.
fn arb_chat() -> impl Strategy<Value = Value> {
    let role = prop_oneof![
        Just("system"),
        Just("user"),
        Just("assistant"),
        Just("tool"),
        Just("function"),
        Just("developer"),
        Just("other"),
    ];
    let msg = (role, ".{0,80}").prop_map(|(r, c)| json!({"role": r, "content": c}));
    let model = prop_oneof![
        Just("gpt-4o".to_owned()),
        Just("gpt-4".to_owned()),
        ".{0,300}"
    ];
    let msg = prop_oneof![
        8 => msg,
        1 => Just(json!("not an object")),
        1 => ".{0,20}".prop_map(|t| json!({"role": "user", "content": [{"type": "text", "text": t}, {"type": "image_url", "image_url": {"url": "x"}}]})),
        1 => Just(json!({"role": null, "content": 5})),
    ];
    // Ids long enough to be elided from Aether payloads, sometimes repeated inside the payload.
    let id = prop_oneof!["chatcmpl-[A-Za-z0-9]{20,29}", Just("chatcmpl-x".to_owned())];
    (model, prop::collection::vec(msg, 0..12), any::<Option<u32>>(), any::<bool>(), arb_json(), id).prop_map(
        |(model, messages, max_tokens, response, extra, id)| {
            if response {
                json!({"id": id, "echo": [id, format!("{id}{id}")], "model": model, "choices": [{"index": 0, "message": messages.first(), "finish_reason": "stop"}], "usage": {"prompt_tokens": max_tokens, "completion_tokens": 3}, "x": extra})
            } else {
                json!({"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0.5, "x": extra})
            }
        },
    )
}

/// An independent reading of the routing fields over `serde_json::Value`, written the way the
/// reference reads JSON (`get(..).and_then(as_*)`), with Aether's defect fixes.
fn oracle(v: &Value) -> (u8, u16, String, Vec<String>, u32, Option<u32>) {
    let is_req = v.get("messages").is_some() && v.get("model").is_some();
    let is_resp = v.get("choices").is_some()
        || v.get("id")
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with("chatcmpl-"));
    let full = v.get("model").and_then(Value::as_str).unwrap_or("");
    // Model names are cut to 255 bytes at a char boundary.
    let mut end = full.len().min(255);
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    let model = full[..end].to_owned();
    if is_req || !is_resp {
        let mut flags = 0u16;
        let mut roles = Vec::new();
        let mut hint = 0u32;
        for m in v
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = m.get("role").and_then(Value::as_str);
            if matches!(r, Some("system" | "developer")) {
                flags |= 1;
            }
            roles.push(
                match r {
                    Some("system" | "developer") => "system",
                    Some("assistant") => "assistant",
                    Some("tool" | "function") => "tool",
                    _ => "user",
                }
                .to_owned(),
            );
            match m.get("content") {
                Some(Value::String(s)) => hint += s.len() as u32,
                Some(Value::Array(parts)) => {
                    for p in parts {
                        if let Some(t) = p.get("text").and_then(Value::as_str) {
                            hint += t.len() as u32;
                        }
                        if p.get("type").and_then(Value::as_str) == Some("image_url") {
                            flags |= 1 << 3;
                        }
                    }
                }
                _ => {}
            }
        }
        let has = |k: &str| v.get(k).is_some();
        if has("tools") || has("functions") {
            flags |= 1 << 1;
        }
        if has("tool_choice") || has("function_call") {
            flags |= 1 << 2;
        }
        if v.get("stream").and_then(Value::as_bool) == Some(true) {
            flags |= 1 << 4;
        }
        for (k, b) in [
            ("response_format", 5),
            ("reasoning_effort", 7),
            ("service_tier", 8),
            ("seed", 9),
            ("logprobs", 10),
            ("user", 11),
            ("temperature", 12),
            ("top_p", 13),
            ("stop", 14),
        ] {
            if has(k) {
                flags |= 1 << b;
            }
        }
        let max = ["max_tokens", "max_completion_tokens"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_u64))
            .map(|n| n.min(u32::MAX as u64) as u32);
        if max.is_some() {
            flags |= 1 << 6;
        }
        (1, flags, model, roles, hint, max)
    } else {
        let mut flags = 0u16;
        let first = v
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first());
        if let Some(c) = first {
            if c.get("message").and_then(|m| m.get("tool_calls")).is_some() {
                flags |= 1;
            }
            if c.get("message")
                .and_then(|m| m.get("refusal"))
                .and_then(Value::as_str)
                .is_some()
            {
                flags |= 2;
            }
        }
        let fr = first
            .and_then(|c| c.get("finish_reason"))
            .and_then(Value::as_str);
        if fr == Some("content_filter") {
            flags |= 4;
        }
        if fr == Some("length") {
            flags |= 16;
        }
        if let Some(u) = v.get("usage") {
            flags |= 8 | 128;
            if u.get("prompt_tokens_details")
                .and_then(|d| d.get("cached_tokens"))
                .and_then(Value::as_u64)
                .is_some_and(|n| n > 0)
            {
                flags |= 32;
            }
            if u.get("completion_tokens_details")
                .and_then(|d| d.get("reasoning_tokens"))
                .and_then(Value::as_u64)
                .is_some_and(|n| n > 0)
            {
                flags |= 64;
            }
        }
        (2, flags, model, vec![], 0, None)
    }
}

fn routing_summary(r: &Routing) -> (u8, u16, String, Vec<String>, u32, Option<u32>) {
    match &r.header {
        wire::RoutingHeader::Request(h) => (
            r.schema.byte(),
            r.flags,
            h.model.clone(),
            h.roles.iter().map(|r| r.name().to_owned()).collect(),
            h.content_hint,
            h.max_tokens,
        ),
        wire::RoutingHeader::Response(h) => {
            (r.schema.byte(), r.flags, h.model.clone(), vec![], 0, None)
        }
        wire::RoutingHeader::Opaque => (r.schema.byte(), r.flags, String::new(), vec![], 0, None),
    }
}

/// Serialised two ways: compact and pretty (whitespace must survive too).
fn texts(v: &Value) -> [Vec<u8>; 2] {
    [
        serde_json::to_vec(v).unwrap(),
        serde_json::to_vec_pretty(v).unwrap(),
    ]
}

const ALGS: [Algorithm; 7] = [
    Algorithm::M2m,
    Algorithm::M2mText,
    Algorithm::Brotli,
    Algorithm::TokenCl100k,
    Algorithm::TokenO200k,
    Algorithm::Aether,
    Algorithm::Plain,
];

fn round_trip(text: &[u8]) {
    let limits = Limits::default();
    for alg in ALGS {
        let frame = wire::compress(text, alg, &EncodeOptions::default()).unwrap();
        assert_eq!(
            wire::decompress(&frame, &limits, None).unwrap(),
            text,
            "{alg:?}"
        );
        wire::inspect(&frame).unwrap();
    }
    let key = vec![7u8; 32];
    let opts = EncodeOptions {
        hmac_key: Some(key.clone()),
        frame: FrameOptions {
            count_tokens: true,
            stream: false,
        },
    };
    for alg in [Algorithm::M2m, Algorithm::M2mText, Algorithm::Aether] {
        let frame = wire::compress(text, alg, &opts).unwrap();
        assert_eq!(
            wire::decompress(&frame, &limits, Some(&key)).unwrap(),
            text,
            "{alg:?} hmac"
        );
    }
    let aead = AeadKey::new([9u8; 32]);
    for alg in [Algorithm::M2m, Algorithm::M2mText] {
        let frame = wire::compress_aead(text, alg, FrameOptions::default(), &aead).unwrap();
        assert_eq!(
            wire::decompress(&frame, &limits, Some(aead.as_bytes())).unwrap(),
            text,
            "{alg:?} aead"
        );
        // The routing header stays readable without the key.
        let i = wire::inspect(&frame).unwrap();
        assert_eq!(i.security, Some(2));
        assert_eq!(
            i.routing.unwrap().unwrap(),
            Routing::from_json_bytes(text, false, false).unwrap()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_format_round_trips_arbitrary_json(v in arb_json()) {
        for t in texts(&v) {
            round_trip(&t);
            let r = Routing::from_json_bytes(&t, false, false).unwrap();
            prop_assert_eq!(routing_summary(&r), oracle(&v));
        }
    }

    #[test]
    fn every_format_round_trips_chat_json(v in arb_chat()) {
        for t in texts(&v) {
            round_trip(&t);
            // The one-pass extractor reads what a Value-based reader reads.
            let r = Routing::from_json_bytes(&t, false, false).unwrap();
            prop_assert_eq!(routing_summary(&r), oracle(&v));
            // The routing header always parses back to what was extracted.
            let f = V1Frame::from_json(&t, FrameOptions::default()).unwrap();
            let mut out = Vec::new();
            f.encode(&mut out);
            let decoded = V1Frame::decode(&out).unwrap();
            prop_assert_eq!(decoded.routing().unwrap(), f.routing().unwrap());
            let a = AetherFrame::from_json(&t, FrameOptions::default()).unwrap();
            let mut out = Vec::new();
            a.encode(&mut out);
            let back = AetherFrame::decode(&out).unwrap();
            prop_assert_eq!(back.routing(), a.routing());
        }
    }

    #[test]
    fn sse_round_trips_arbitrary_bytes(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8), events in prop::collection::vec(arb_json(), 0..4), split in 1usize..16) {
        let mut input = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            input.extend_from_slice(c);
            if let Some(e) = events.get(i) {
                input.extend_from_slice(b"data: ");
                input.extend_from_slice(&serde_json::to_vec(e).unwrap());
                input.extend_from_slice(b"\n\n");
            }
        }
        input.extend_from_slice(b"data: [DONE]\n\n");
        for format in [sse::EventFormat::Aether, sse::EventFormat::M2mV1, sse::EventFormat::Linked] {
            let framed = sse::encode_stream(&input, format).unwrap();
            // Pushing the same bytes in small pieces frames them identically.
            let mut pieces = Vec::new();
            let mut enc = sse::SseEncoder::new(format);
            for piece in input.chunks(split) {
                enc.push(piece, &mut pieces).unwrap();
            }
            enc.finish(&mut pieces).unwrap();
            prop_assert_eq!(&pieces, &framed);
            prop_assert_eq!(sse::decode_stream(&framed, &Limits::default()).unwrap(), input.clone());
        }
    }

    #[test]
    fn corrupted_and_truncated_frames_never_panic(v in arb_chat(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let text = serde_json::to_vec(&v).unwrap();
        let limits = Limits::default();
        let key = [1u8; 16];
        for alg in ALGS.into_iter().chain([Algorithm::Sse, Algorithm::SseFrames]) {
            let frame = wire::compress(&text, alg, &EncodeOptions::default()).unwrap();
            let mut bad = frame.clone();
            for (i, x) in &flips {
                let i = i.index(bad.len());
                bad[i] ^= x | 1;
            }
            let _ = wire::decompress(&bad, &limits, Some(&key));
            let _ = wire::inspect(&bad);
            let short = &frame[..cut.index(frame.len())];
            let _ = wire::decompress(short, &limits, None);
            let _ = wire::inspect(short);
            // A flipped payload byte must never decode to different bytes silently.
            if let Ok(out) = wire::decompress(&bad, &limits, None)
                && alg != Algorithm::Plain
                && wire::detect(&bad) == wire::detect(&frame)
                && matches!(wire::detect(&frame), Format::M2mV1 | Format::Aether)
            {
                prop_assert_eq!(out, text.clone());
            }
        }
    }

    #[test]
    fn aead_frames_refuse_every_tamper_and_truncation(v in arb_chat(), flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..), 1..4), cut in any::<prop::sample::Index>(), nonce in any::<[u8; 12]>()) {
        let text = serde_json::to_vec(&v).unwrap();
        let limits = Limits::default();
        let key = AeadKey::new([3u8; 32]);
        let f = V1Frame::from_json(&text, FrameOptions::default()).unwrap();
        let mut frame = Vec::new();
        f.encode_aead_with_nonce(&key, &nonce, &mut frame).unwrap();
        let back = V1Frame::decode_with(&frame, &limits, Some(key.as_bytes())).unwrap();
        prop_assert_eq!(back.payload(), &text[..]);
        // Any change after the prefix is refused (and never panics); the prefix check refuses
        // changes to the first 7 bytes.
        let mut bad = frame.clone();
        for (i, x) in &flips {
            let i = i.index(bad.len());
            bad[i] ^= x;
        }
        if bad != frame {
            prop_assert!(V1Frame::decode_with(&bad, &limits, Some(key.as_bytes())).is_err());
            let _ = V1Frame::inspect(&bad);
            let _ = wire::inspect(&bad);
        }
        let short = &frame[..cut.index(frame.len())];
        prop_assert!(V1Frame::decode_with(short, &limits, Some(key.as_bytes())).is_err());
        let _ = V1Frame::inspect(short);
        // The wrong key never opens it.
        prop_assert_eq!(
            V1Frame::decode_with(&frame, &limits, Some(&[4u8; 32])),
            Err(DecodeError::AeadAuthFailed)
        );
    }

    #[test]
    fn random_input_never_panics(prefix in prop::sample::select(vec![&b"#M2M|1|"[..], b"#M2M[v3.0]|DATA:", b"#TK|C|", b"#TK|O|", b"#M2A|", b"#M2S|", b"#M2L|", b""]), body in prop::collection::vec(any::<u8>(), 0..256)) {
        let input = [prefix, &body[..]].concat();
        let _ = wire::decompress(&input, &Limits::default(), Some(&[0u8; 32]));
        let _ = wire::inspect(&input);
        let _ = sse::frames(&input, &Limits::default());
    }
}

#[test]
fn too_deep_json_is_refused_on_encode_and_decode() {
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    for alg in [Algorithm::M2m, Algorithm::Aether] {
        assert_eq!(
            wire::compress(deep.as_bytes(), alg, &EncodeOptions::default()),
            Err(EncodeError::NestingTooDeep { max: 64 })
        );
    }
    // A peer that skips the check: the decoder refuses the payload.
    let f = AetherFrame::new(
        Routing::from_json(&json!({}), false, false),
        deep.into_bytes(),
    )
    .unwrap();
    let mut out = Vec::new();
    f.encode(&mut out);
    assert_eq!(
        AetherFrame::decode(&out),
        Err(DecodeError::NestingTooDeep { max: 64 })
    );
}

fn brotli(data: &[u8], q: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, q, 22);
        w.write_all(data).unwrap();
    }
    out
}

/// The reference's bomb: a small M2M v1 frame whose Brotli payload inflates to 64 MiB.
#[test]
fn decompression_bombs_are_refused() {
    let zeros = vec![b' '; 64 << 20];
    let bomb = brotli(&zeros, 5);
    assert!(bomb.len() < 1024, "{}", bomb.len());
    let limits = Limits::default();

    // M2M v1: fixed header with the compressed bit, empty routing header of a custom schema.
    let mut v1 = b"#M2M|1|".to_vec();
    v1.extend_from_slice(&20u16.to_le_bytes());
    v1.extend_from_slice(&[0xFE, 0, 0, 0, 0, 1]);
    v1.extend_from_slice(&[0; 12]);
    v1.extend_from_slice(&(bomb.len() as u32).to_le_bytes());
    v1.extend_from_slice(&crc32fast::hash(&zeros).to_le_bytes());
    v1.extend_from_slice(&bomb);
    assert_eq!(
        wire::decompress(&v1, &limits, None),
        Err(DecodeError::DecompressedTooLarge {
            max: limits.max_decompressed
        })
    );

    // Brotli v3 text.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bomb);
    let v3 = [b"#M2M[v3.0]|DATA:".as_slice(), b64.as_bytes()].concat();
    assert_eq!(
        wire::decompress(&v3, &limits, None),
        Err(DecodeError::DecompressedTooLarge {
            max: limits.max_decompressed
        })
    );

    // Aether: a zstd frame of 64 MiB declared as 64 MiB (over the cap) and as 100 bytes (a lie).
    let z = zstd::bulk::compress(&zeros, 3).unwrap();
    for (declared, expect_cap) in [(64u32 << 20, true), (100, false), (1 << 20, false)] {
        let mut a = b"#M2A|".to_vec();
        a.extend_from_slice(&[0x10, 0xFE, 2, 0, 0]);
        let mut v = Vec::new();
        let mut d = u64::from(declared);
        while d >= 0x80 {
            v.push((d as u8 & 0x7f) | 0x80);
            d >>= 7;
        }
        v.push(d as u8);
        a.extend_from_slice(&v);
        a.extend_from_slice(&crc32fast::hash(&zeros).to_le_bytes());
        a.extend_from_slice(&z[4..]);
        let err = wire::decompress(&a, &limits, None).unwrap_err();
        if expect_cap {
            assert_eq!(
                err,
                DecodeError::DecompressedTooLarge {
                    max: limits.max_decompressed
                }
            );
        } else {
            assert!(
                matches!(
                    err,
                    DecodeError::Corrupt { .. } | DecodeError::LengthMismatch { .. }
                ),
                "{err:?}"
            );
        }
    }

    // TokenNative: a long run of the longest tokens under a small cap.
    let small = Limits {
        max_decompressed: 1 << 16,
        ..Limits::default()
    };
    let frame = wire::compress(
        &vec![b' '; 1 << 18],
        Algorithm::TokenCl100k,
        &EncodeOptions::default(),
    )
    .unwrap();
    assert_eq!(
        wire::decompress(&frame, &small, None),
        Err(DecodeError::DecompressedTooLarge { max: 1 << 16 })
    );

    // Oversized frames are refused before parsing.
    let tiny = Limits {
        max_frame: 10,
        ..Limits::default()
    };
    assert_eq!(
        wire::decompress(&v1, &tiny, None),
        Err(DecodeError::FrameTooLarge {
            len: v1.len(),
            max: 10
        })
    );
}
