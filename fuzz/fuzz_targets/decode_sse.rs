//! Framed SSE sequences (`#M2S|` independent, `#M2L|` linked) and the SSE encoder on
//! arbitrary bytes (must round-trip in both forms).
#![no_main]
use aether_agent::wire::{Limits, sse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let _ = sse::decode_stream(&[b"#M2S|".as_slice(), data].concat(), &limits);
    let _ = sse::decode_stream(&[b"#M2L|".as_slice(), data].concat(), &limits);
    for format in [sse::EventFormat::Aether, sse::EventFormat::Linked] {
        if let Ok(framed) = sse::encode_stream(data, format) {
            assert_eq!(
                sse::decode_stream(&framed, &Limits::default())
                    .ok()
                    .as_deref(),
                Some(data)
            );
        }
    }
});
