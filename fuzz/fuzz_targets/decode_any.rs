//! Prefix detection, `decompress` and `inspect` on arbitrary bytes; and JSON inputs must
//! round-trip through the Aether and M2M v1 encoders.
#![no_main]
use aether_agent::wire::{self, Algorithm, EncodeOptions, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let _ = wire::decompress(data, &limits, None);
    let _ = wire::inspect(data);
    for alg in [Algorithm::Aether, Algorithm::M2m] {
        if let Ok(frame) = wire::compress(data, alg, &EncodeOptions::default()) {
            assert_eq!(
                wire::decompress(&frame, &Limits::default(), None)
                    .ok()
                    .as_deref(),
                Some(data)
            );
        }
    }
});
