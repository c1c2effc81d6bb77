//! Brotli `#M2M[v3.0]|DATA:` and TokenNative `#TK|` decoders.
#![no_main]
use aether_agent::wire::{BrotliFrame, Limits, TokenFrame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let _ = BrotliFrame::decode_with(&[b"#M2M[v3.0]|DATA:".as_slice(), data].concat(), &limits);
    let _ = TokenFrame::decode_with(&[b"#TK|".as_slice(), data].concat(), &limits);
});
