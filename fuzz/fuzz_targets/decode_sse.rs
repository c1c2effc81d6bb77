//! Framed SSE sequences (`#M2S|`) and the SSE encoder on arbitrary bytes (must round-trip).
#![no_main]
use aether_agent::wire::{Limits, sse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let _ = sse::decode_stream(&[b"#M2S|".as_slice(), data].concat(), &limits);
    if let Ok(framed) = sse::encode_stream(data, sse::EventFormat::Aether) {
        assert_eq!(
            sse::decode_stream(&framed, &Limits::default())
                .ok()
                .as_deref(),
            Some(data)
        );
    }
});
