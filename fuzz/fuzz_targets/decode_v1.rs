//! M2M v1 binary and text decoders, header inspection and `check`, with and without a key.
#![no_main]
use aether_agent::wire::{Limits, V1Frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let mut bin = b"#M2M|1|".to_vec();
    bin.extend_from_slice(data);
    let _ = V1Frame::inspect(&bin);
    let _ = V1Frame::check(&bin, &limits);
    let _ = V1Frame::decode_with(&bin, &limits, None);
    let _ = V1Frame::decode_with(&bin, &limits, Some(&[0u8; 32]));
    let _ = V1Frame::decode_text_with(&bin, &limits, None);
});
