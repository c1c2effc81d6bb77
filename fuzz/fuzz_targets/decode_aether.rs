//! Aether `#M2A|` decoder and header inspection.
#![no_main]
use aether_agent::wire::{AetherFrame, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let frame = [b"#M2A|".as_slice(), data].concat();
    let _ = AetherFrame::inspect(&frame);
    let _ = AetherFrame::decode_with(&frame, &limits, None);
    let _ = AetherFrame::decode_with(&frame, &limits, Some(&[0u8; 32]));
});
