//! Golden tests: exact bytes of frames for fixed inputs, including the reference vectors of
//! `m2m-wire.md`. A change in these bytes is a protocol break.

use aether_agent::wire::routing::{
    FinishReason, RequestHeader, ResponseHeader, Role, RoutingHeader,
};
use aether_agent::wire::{
    self, AeadKey, AetherFrame, Algorithm, DecodeError, EncodeError, EncodeOptions, Format,
    FrameOptions, Limits, Schema, V1Frame,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const V1_IN: &[u8] = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}"#;
const V1_HEX: &str = "234d324d7c317c2200010000000000000000000000000000000000066770742d346f0101020ad7a33b3e0000006e6055a47b226d6f64656c223a226770742d346f222c226d65737361676573223a5b7b22726f6c65223a2275736572222c22636f6e74656e74223a224869227d5d7d";
const V2_IN: &[u8] = br#"{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is the capital of France?"}],"temperature":0.7,"max_tokens":100}"#;
const V3_IN: &[u8] = br#"{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#;

#[test]
fn reference_vector_1_decodes_exactly() {
    let frame = V1Frame::decode(&hex(V1_HEX)).unwrap();
    assert_eq!(frame.payload(), V1_IN);
    assert_eq!(frame.schema, Schema::Request);
    let routing = frame.routing().unwrap();
    assert_eq!(
        routing.header,
        RoutingHeader::Request(RequestHeader {
            model: "gpt-4o".into(),
            message_count: 1,
            roles: vec![Role::User],
            content_hint: 2,
            max_tokens: None,
            cost_usd: Some(0.005),
        })
    );
}

#[test]
fn reference_vector_1_encodes_byte_for_byte() {
    let mut out = Vec::new();
    V1Frame::from_json(V1_IN, FrameOptions::default())
        .unwrap()
        .encode(&mut out);
    assert_eq!(to_hex(&out), V1_HEX);
    assert_eq!(
        wire::compress(V1_IN, Algorithm::M2m, &EncodeOptions::default()).unwrap(),
        hex(V1_HEX)
    );
}

#[test]
fn reference_vector_2_header_bytes() {
    assert_eq!(V2_IN.len(), 184);
    let out = wire::compress(V2_IN, Algorithm::M2m, &EncodeOptions::default()).unwrap();
    assert_eq!(&out[..7], b"#M2M|1|");
    assert_eq!(
        to_hex(&out[7..27]),
        "2300010041100001000000000000000000000000"
    );
    assert_eq!(to_hex(&out[27..42]), "066770742d346f02043a64d6a8873a");
    let payload_len = u32::from_le_bytes(out[42..46].try_into().unwrap());
    assert_eq!(payload_len as usize, out.len() - 50);
    assert_eq!(
        u32::from_le_bytes(out[46..50].try_into().unwrap()),
        0xd975_7b1f
    );
    // Same Brotli settings as the reference (quality 5, window 22): 139 bytes, 189 in all.
    assert_eq!((payload_len, out.len()), (139, 189));
    assert_eq!(
        wire::decompress(&out, &Limits::default(), None).unwrap(),
        V2_IN
    );
}

#[test]
fn reference_vector_3_header_bytes() {
    assert_eq!(V3_IN.len(), 226);
    let out = wire::compress(V3_IN, Algorithm::M2m, &EncodeOptions::default()).unwrap();
    assert_eq!(
        to_hex(&out[7..27]),
        "2d00020088000001000000000000000000000000"
    );
    assert_eq!(
        to_hex(&out[27..52]),
        "0a63686174636d706c2d31066770742d346f00050161bebc37"
    );
    assert_eq!(
        u32::from_le_bytes(out[56..60].try_into().unwrap()),
        0x0a31_0b4b
    );
    let frame = V1Frame::decode(&out).unwrap();
    assert_eq!(frame.payload(), V3_IN);
    let RoutingHeader::Response(h) = frame.routing().unwrap().header else {
        panic!("layout")
    };
    assert_eq!(
        h,
        ResponseHeader {
            id: "chatcmpl-1".into(),
            model: "gpt-4o".into(),
            finish_reason: FinishReason::Stop,
            prompt_tokens: 5,
            completion_tokens: 1,
            cached_tokens: None,
            reasoning_tokens: None,
            cost_usd: Some(f32::from_le_bytes([0x61, 0xbe, 0xbc, 0x37])),
        }
    );
}

#[test]
fn text_form_is_prefix_plus_base64_of_binary() {
    let out = wire::compress(V1_IN, Algorithm::M2mText, &EncodeOptions::default()).unwrap();
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(&hex(V1_HEX)[7..]);
    assert_eq!(out, [b"#M2M|1|".as_slice(), expected.as_bytes()].concat());
    assert_eq!(wire::detect(&out), Format::M2mV1Text);
    assert_eq!(
        wire::decompress(&out, &Limits::default(), None).unwrap(),
        V1_IN
    );
}

#[test]
fn hmac_mode_golden_and_verified() {
    let key = [0x42u8; 32];
    let opts = EncodeOptions {
        hmac_key: Some(key.to_vec()),
        ..Default::default()
    };
    let out = wire::compress(V1_IN, Algorithm::M2m, &opts).unwrap();
    // Security byte 01, then the plain frame, then the tag over everything after the prefix.
    let mut plain = hex(V1_HEX);
    plain[10] = 0x01;
    assert_eq!(&out[..plain.len()], &plain[..]);
    assert_eq!(
        to_hex(&out[plain.len()..]),
        "f68418f2ce190619a2c4ccf635f0e9e9c0651a3bbbc6627037da630e16bc6672",
        "tag cross-checked with Python hmac.new(key, frame[7:], sha256)"
    );
    assert_eq!(
        wire::decompress(&out, &Limits::default(), Some(&key)).unwrap(),
        V1_IN
    );
    assert!(matches!(
        wire::decompress(&out, &Limits::default(), None),
        Err(wire::DecodeError::SecurityMode { mode: 1, .. })
    ));
    assert_eq!(
        wire::decompress(&out, &Limits::default(), Some(&[0x43u8; 32])),
        Err(wire::DecodeError::BadMac)
    );
}

/// Vector 1 in AEAD mode: key 00 01 .. 1f, nonce a0 a1 .. ab.
///
/// Cross-checked independently with Python's `cryptography` 48.0.0:
/// `ChaCha20Poly1305(key).encrypt(nonce, v1[7 + 34:], hdr[7:])`, where `hdr` is the first
/// 7 + 34 bytes of `V1_HEX` with the security byte (offset 10) set to 02 and `v1[7 + 34:]` is
/// `payload_len ‖ crc32 ‖ payload` of `V1_HEX`; frame = `hdr ‖ nonce ‖ ciphertext ‖ tag`. The
/// associated data is the fixed plus routing header, without the `#M2M|1|` prefix, as in the
/// reference's `encode_with_aead` (`aad = &buf[M2M_PREFIX.len()..header_end]`).
const AEAD_KEY: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];
const AEAD_NONCE: [u8; 12] = [
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
];
const V1_AEAD_HEX: &str = concat!(
    // prefix, fixed header (security 02), routing header: unchanged and readable
    "234d324d7c317c2200010200000000000000000000000000000000",
    "066770742d346f0101020ad7a33b",
    // nonce
    "a0a1a2a3a4a5a6a7a8a9aaab",
    // ChaCha20 of payload_len ‖ crc32 ‖ payload (8 + 62 bytes)
    "32ab785f23869709db2d9e7b989f91d9a77cb4cf374754cc96f4f9dc1411b06d0be565",
    "a8949284a8b4a399d83f6b5a3339a1381a252e08ee49206e2e38089feaf99245336594",
    // Poly1305 tag
    "048ff64a4f71763031a59d09fb2782d1",
);
/// The text form of `V1_AEAD_HEX` (also from the Python cross-check: prefix + base64 of the rest).
const V1_AEAD_TEXT: &str = "#M2M|1|IgABAgAAAAAAAAAAAAAAAAAAAAAGZ3B0LTRvAQECCtejO6ChoqOkpaanqKmqqzKreF8jhpcJ2y2ee5ifkdmnfLTPN0dUzJb0+dwUEbBtC+VlqJSShKi0o5nYP2taMzmhOBolLgjuSSBuLjgIn+r5kkUzZZQEj/ZKT3F2MDGlnQn7J4LR";

fn v1_aead_frame() -> Vec<u8> {
    let f = V1Frame::from_json(V1_IN, FrameOptions::default()).unwrap();
    let mut out = Vec::new();
    f.encode_aead_with_nonce(&AeadKey::new(AEAD_KEY), &AEAD_NONCE, &mut out)
        .unwrap();
    out
}

#[test]
fn aead_mode_golden_and_verified() {
    let out = v1_aead_frame();
    assert_eq!(to_hex(&out), V1_AEAD_HEX);
    // Headers are vector 1's but for the security byte; the sealed part is 8 + 62 + 16 bytes.
    let mut plain = hex(V1_HEX);
    plain[10] = 0x02;
    assert_eq!(&out[..7 + 34], &plain[..7 + 34]);
    assert_eq!(out.len(), 7 + 34 + 12 + 8 + V1_IN.len() + 16);

    let limits = Limits::default();
    let f = V1Frame::decode_with(&out, &limits, Some(&AEAD_KEY)).unwrap();
    assert_eq!(f.payload(), V1_IN);
    assert_eq!(f.security, 0x02);
    assert_eq!(
        f.routing().unwrap(),
        V1Frame::decode(&hex(V1_HEX)).unwrap().routing().unwrap()
    );
    assert_eq!(
        wire::decompress(&out, &limits, Some(&AEAD_KEY)).unwrap(),
        V1_IN
    );

    // The text form is the prefix plus base64 of the rest, as for the other modes.
    let mut text = Vec::new();
    wire::v1::binary_to_text(&out, &mut text);
    assert_eq!(std::str::from_utf8(&text).unwrap(), V1_AEAD_TEXT);
    assert_eq!(wire::detect(&text), Format::M2mV1Text);
    assert_eq!(
        wire::decompress(&text, &limits, Some(&AEAD_KEY)).unwrap(),
        V1_IN
    );

    // No key, a key of the wrong length, the wrong key: typed errors.
    assert_eq!(
        wire::decompress(&out, &limits, None),
        Err(DecodeError::SecurityMode {
            mode: 2,
            needs: "a 32-byte ChaCha20-Poly1305 key"
        })
    );
    assert_eq!(
        wire::decompress(&out, &limits, Some(&AEAD_KEY[..16])),
        Err(DecodeError::AeadKeyLength {
            len: 16,
            expected: 32
        })
    );
    let mut wrong = AEAD_KEY;
    wrong[31] ^= 1;
    assert_eq!(
        wire::decompress(&out, &limits, Some(&wrong)),
        Err(DecodeError::AeadAuthFailed)
    );
}

#[test]
fn aead_frame_routing_header_is_readable_without_the_key() {
    let out = v1_aead_frame();
    let h = V1Frame::inspect(&out).unwrap();
    assert_eq!(h.security, 0x02);
    assert_eq!(h.header_len, 34);
    assert_eq!((h.payload_len, h.crc32), (None, None));
    let plain = V1Frame::inspect(&hex(V1_HEX)).unwrap();
    assert_eq!(h.routing, plain.routing);
    let i = wire::inspect(&out).unwrap();
    assert_eq!(i.security, Some(2));
    assert_eq!(i.routing, Some(plain.routing.clone()));
    let i = wire::inspect(V1_AEAD_TEXT.as_bytes()).unwrap();
    assert_eq!((i.format, i.security), (Format::M2mV1Text, Some(2)));
    assert_eq!(i.routing, Some(plain.routing));
}

#[test]
fn aead_tampering_and_truncation_are_refused() {
    let out = v1_aead_frame();
    let limits = Limits::default();
    let decode = |b: &[u8]| V1Frame::decode_with(b, &limits, Some(&AEAD_KEY));
    let headers_end = 7 + 34;
    for i in 0..out.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = out.clone();
            bad[i] ^= bit;
            let r = decode(&bad);
            assert!(r.is_err(), "flip {bit:#x} at {i} decoded: {r:?}");
            // Reserved bytes, flags, the routing header, nonce, ciphertext and tag are all
            // covered by the tag (the prefix, security byte and header_len fail earlier).
            if (11..headers_end).contains(&i) || i >= headers_end {
                assert_eq!(r, Err(DecodeError::AeadAuthFailed), "flip at {i}");
            }
        }
    }
    // Every truncation is refused: too short to hold nonce, sealed length and CRC and tag, or
    // a tag that no longer matches.
    for cut in 0..out.len() {
        let r = decode(&out[..cut]);
        assert!(r.is_err(), "cut {cut}");
        if cut >= headers_end + 12 + 8 + 16 {
            assert_eq!(r, Err(DecodeError::AeadAuthFailed), "cut {cut}");
        } else if cut >= headers_end {
            assert!(
                matches!(r, Err(DecodeError::Truncated { .. })),
                "cut {cut}: {r:?}"
            );
        }
    }
    // Appended bytes shift the tag: refused too.
    let mut long = out.clone();
    long.push(0);
    assert_eq!(decode(&long), Err(DecodeError::AeadAuthFailed));
    // The frame's length is encrypted: `check` cannot find its end and says so.
    assert!(matches!(
        V1Frame::check(&out, &limits),
        Err(DecodeError::SecurityMode { mode: 2, .. })
    ));
}

#[test]
fn aead_limits_hold() {
    let key = AeadKey::new(AEAD_KEY);
    let out = v1_aead_frame();
    // A stored payload longer than the limit is refused before decryption (even under a
    // wrong key: nothing is allocated for it).
    let small = Limits {
        max_decompressed: 16,
        ..Limits::default()
    };
    assert_eq!(
        V1Frame::decode_with(&out, &small, Some(&[9u8; 32])),
        Err(DecodeError::DecompressedTooLarge { max: 16 })
    );
    let tiny = Limits {
        max_frame: out.len() - 1,
        ..Limits::default()
    };
    assert_eq!(
        V1Frame::decode_with(&out, &tiny, Some(&AEAD_KEY)),
        Err(DecodeError::FrameTooLarge {
            len: out.len(),
            max: out.len() - 1
        })
    );
    // A compressed payload is inflated only after authentication, and only up to the limit.
    let big = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":"{}"}}]}}"#,
        " ".repeat(4096)
    );
    let sealed = wire::compress_aead(
        big.as_bytes(),
        Algorithm::M2m,
        FrameOptions::default(),
        &key,
    )
    .unwrap();
    assert!(sealed.len() < 200, "{}", sealed.len());
    let limit = Limits {
        max_decompressed: 1024,
        ..Limits::default()
    };
    assert_eq!(
        wire::decompress(&sealed, &limit, Some(&AEAD_KEY)),
        Err(DecodeError::DecompressedTooLarge { max: 1024 })
    );
    assert_eq!(
        wire::decompress(&sealed, &Limits::default(), Some(&AEAD_KEY)).unwrap(),
        big.as_bytes()
    );
}

#[test]
fn aead_nonces_are_random_and_only_v1_has_an_aead_mode() {
    let key = AeadKey::new(AEAD_KEY);
    let a = wire::compress_aead(V1_IN, Algorithm::M2m, FrameOptions::default(), &key).unwrap();
    let b = wire::compress_aead(V1_IN, Algorithm::M2m, FrameOptions::default(), &key).unwrap();
    assert_eq!(a[..7 + 34], b[..7 + 34]);
    assert_ne!(a[7 + 34..7 + 34 + 12], b[7 + 34..7 + 34 + 12]);
    for f in [&a, &b] {
        assert_eq!(
            wire::decompress(f, &Limits::default(), Some(key.as_bytes())).unwrap(),
            V1_IN
        );
    }
    let t = wire::compress_aead(V1_IN, Algorithm::M2mText, FrameOptions::default(), &key).unwrap();
    assert_eq!(wire::detect(&t), Format::M2mV1Text);
    assert_eq!(
        wire::decompress(&t, &Limits::default(), Some(key.as_bytes())).unwrap(),
        V1_IN
    );
    for alg in [Algorithm::Aether, Algorithm::Brotli, Algorithm::Plain] {
        assert!(matches!(
            wire::compress_aead(V1_IN, alg, FrameOptions::default(), &key),
            Err(EncodeError::AeadUnsupported { .. })
        ));
    }
    assert_eq!(format!("{key:?}"), "AeadKey(..)");
    assert_eq!(AeadKey::from_slice(&AEAD_KEY[..31]), None);
    assert_eq!(AeadKey::from_slice(&AEAD_KEY), Some(key));
}

#[test]
fn reference_defects_are_fixed() {
    // max_tokens: null must not set flag 6 (the reference sets it and writes no varint).
    let j = br#"{"model":"m","messages":[],"max_tokens":null}"#;
    let out = wire::compress(j, Algorithm::M2m, &EncodeOptions::default()).unwrap();
    let flags = u16::from_le_bytes([out[11], out[12]]);
    assert_eq!(flags & (1 << 6), 0);
    // Unknown roles keep a slot: roles match the message count.
    let j = br#"{"model":"m","messages":[{"role":"function","content":"a"},{"role":"x"},{"role":"user"},{"role":"assistant"},{"role":"system"}]}"#;
    let f = V1Frame::from_json(j, FrameOptions::default()).unwrap();
    let RoutingHeader::Request(h) = f.routing().unwrap().header else {
        panic!()
    };
    assert_eq!(
        h.roles,
        vec![
            Role::Tool,
            Role::User,
            Role::User,
            Role::Assistant,
            Role::System
        ]
    );
    assert_eq!(h.message_count, 5);
    // A 300-byte model name is cut to 255 bytes at a char boundary, not overflowed.
    let model = "é".repeat(150);
    let j = format!(r#"{{"model":"{model}","messages":[]}}"#);
    let f = V1Frame::from_json(j.as_bytes(), FrameOptions::default()).unwrap();
    assert_eq!(f.variable_header()[0], 254);
    let RoutingHeader::Request(h) = f.routing().unwrap().header else {
        panic!()
    };
    assert_eq!(h.model, "é".repeat(127));
    assert_eq!(
        V1Frame::decode(&{
            let mut o = Vec::new();
            f.encode(&mut o);
            o
        })
        .unwrap()
        .payload(),
        j.as_bytes()
    );
}

#[test]
fn aether_frame_golden() {
    let mut out = Vec::new();
    AetherFrame::from_json(V1_IN, FrameOptions::default())
        .unwrap()
        .encode(&mut out);
    // #M2A| v1 | schema 01 | codec 01 (zstd+dict) | flags 00 | routing_len 0e | routing header
    // (same bytes as M2M v1) | original_len 3e (62) | crc32 | zstd payload without magic.
    assert_eq!(&out[..5], b"#M2A|");
    assert_eq!(to_hex(&out[5..10]), "100101000e");
    assert_eq!(to_hex(&out[10..24]), "066770742d346f0101020ad7a33b");
    assert_eq!(to_hex(&out[24..29]), "3e6e6055a4");
    // Cross-checked: magic 28b52ffd + bytes 29.. decompress with `zstd -d -D dict/aether-llm-v1.zdict`.
    assert_eq!(
        to_hex(&out),
        "234d32417c100101000e066770742d346f0101020ad7a33b3e6e6055a40000950000304869227d5d7d023c98f544505799a20002"
    );
    assert_eq!(AetherFrame::decode(&out).unwrap().payload(), V1_IN);
}

#[test]
fn token_count_extension_is_readable_by_v1_layout() {
    let opts = FrameOptions {
        count_tokens: true,
        ..Default::default()
    };
    let f = V1Frame::from_json(V2_IN, opts).unwrap();
    let r = f.routing().unwrap();
    let tc = r.token_count.unwrap();
    assert_eq!(tc.tokenizer, aether_agent::wire::tokens::Tokenizer::O200k);
    // "You are a helpful assistant." + "What is the capital of France?" = 6 + 7 tokens.
    assert_eq!(tc.tokens, 13);
    // The v1 routing header bytes are unchanged except the cost; the record follows them.
    let mut out = Vec::new();
    f.encode(&mut out);
    assert_eq!(out[14] & 0b10, 0b10, "extensions bit");
    assert_eq!(V1Frame::decode(&out).unwrap().payload(), V2_IN);
}

#[test]
fn aether_response_elides_the_routing_id() {
    let json = br#"{"id":"chatcmpl-ABfvaueLEMLNYbT8YzpJxsmiQ6HSY","object":"chat.completion","created":1727346142,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#;
    let mut out = Vec::new();
    AetherFrame::from_json(json, FrameOptions::default())
        .unwrap()
        .encode(&mut out);
    // codec 0x81: zstd with the dictionary, routing id elided from the compressed text.
    assert_eq!(out[7], 0x81);
    assert_eq!(AetherFrame::decode(&out).unwrap().payload(), json);
    let info = wire::inspect(&out).unwrap();
    let RoutingHeader::Response(h) = info.routing.unwrap().unwrap().header else {
        panic!()
    };
    assert_eq!(h.id, "chatcmpl-ABfvaueLEMLNYbT8YzpJxsmiQ6HSY");
}

#[test]
fn aether_elision_markers_cannot_inflate_past_the_declared_length() {
    // A forged frame: 50 id markers (111 bytes each once expanded), declared original length 100.
    let routing = wire::Routing {
        schema: Schema::Response,
        flags: 0,
        header: RoutingHeader::Response(ResponseHeader {
            id: "chatcmpl-".to_owned() + &"x".repeat(100),
            model: String::new(),
            finish_reason: FinishReason::Stop,
            prompt_tokens: 0,
            completion_tokens: 0,
            cached_tokens: None,
            reasoning_tokens: None,
            cost_usd: None,
        }),
        token_count: None,
    };
    let mut header = Vec::new();
    routing.encode_variable(&mut header);
    let z = zstd::bulk::compress(&[0x01u8; 50], 3).unwrap();
    let mut frame = b"#M2A|".to_vec();
    assert!(header.len() < 128, "one-byte varint");
    frame.extend_from_slice(&[0x10, 0x02, 0x82, 0x00, header.len() as u8]);
    frame.extend_from_slice(&header);
    frame.extend_from_slice(&[100, 0, 0, 0, 0]);
    frame.extend_from_slice(&z[4..]);
    assert!(matches!(
        AetherFrame::decode(&frame),
        Err(wire::DecodeError::LengthMismatch {
            field: "original_len",
            declared: 100,
            ..
        })
    ));
}

#[test]
fn v1_check_finds_the_frame_end() {
    let frame = hex(V1_HEX);
    let limits = Limits::default();
    for cut in 0..frame.len() {
        assert_eq!(
            V1Frame::check(&frame[..cut], &limits),
            Ok(None),
            "cut {cut}"
        );
    }
    assert_eq!(V1Frame::check(&frame, &limits), Ok(Some(frame.len())));
    let mut two = frame.clone();
    two.extend_from_slice(&frame);
    assert_eq!(V1Frame::check(&two, &limits), Ok(Some(frame.len())));
    assert!(matches!(
        V1Frame::check(b"#M2X", &limits),
        Err(wire::DecodeError::BadPrefix { .. })
    ));
    // Trailing bytes are refused by decode.
    assert_eq!(
        V1Frame::decode(&two),
        Err(wire::DecodeError::TrailingBytes { extra: frame.len() })
    );
}

const SSE: &[u8] = b"data: {\"id\":\"chatcmpl-AbCdEfGhIjKlMnOpQrStUv\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\ndata: {\"id\":\"chatcmpl-AbCdEfGhIjKlMnOpQrStUv\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n";

#[test]
fn linked_sse_sequence_golden() {
    let out = wire::compress(SSE, Algorithm::Sse, &EncodeOptions::default()).unwrap();
    // "#M2L|", then per event: varint length, kind (1 new routing / 0 unchanged / 2 end).
    assert_eq!(&out[..5], b"#M2L|");
    let frames = wire::sse::frames(&out, &Limits::default()).unwrap();
    let kinds: Vec<u8> = frames.iter().map(|f| f[0]).collect();
    assert_eq!(
        kinds,
        [1, 0, 1, 2],
        "second chunk reuses the routing header; [DONE] is opaque"
    );
    // The end record: kind 2, CRC32 of all event bytes, total length.
    let end = frames[3];
    assert_eq!(&end[1..5], &crc32fast::hash(SSE).to_le_bytes());
    assert_eq!(SSE.len(), 349);
    assert_eq!(end[5..], [0xdd, 0x02], "varint 349");
    assert_eq!(
        to_hex(&out),
        "234d324c7c6c0103002a1f63686174636d706c2d4162436445664768496a4b6c4d6e4f70517253745576066770742d346fff0000a8010058bc01001302070a504007b7bca31f6a3f6c67dda499d405ad989332328af904faeb3206fcd8fbc0036519a56f12ffcf41ad4cdcc73fc5651b7b0f1100a7015c0000082102cc2a03871574f3311601fe00000e700000646174613a205b444f4e455d0a0a07026e587125dd02"
    );
    assert_eq!(
        wire::decompress(&out, &Limits::default(), None).unwrap(),
        SSE
    );
}
