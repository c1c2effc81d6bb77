//! M2M v1 binary and text decoders, header inspection and `check`, with and without a key
//! (the 32-byte key also opens AEAD frames); JSON input is sealed in AEAD mode under a fixed
//! key and nonce and must decode back exactly, and a flipped byte must be refused.
#![no_main]
use aether_agent::wire::{AeadKey, FrameOptions, Limits, V1Frame};
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 32] = [0u8; 32];

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
    let _ = V1Frame::decode_with(&bin, &limits, Some(&KEY));
    let _ = V1Frame::decode_text_with(&bin, &limits, None);
    let _ = V1Frame::decode_text_with(&bin, &limits, Some(&KEY));

    // The AEAD path past authentication: seal the input (when it is JSON) and read it back.
    if data.len() > limits.max_decompressed {
        return;
    }
    let Ok(frame) = V1Frame::from_json(data, FrameOptions::default()) else {
        return;
    };
    let key = AeadKey::new(KEY);
    let mut sealed = Vec::new();
    let nonce = [data.len() as u8; 12];
    if frame.encode_aead_with_nonce(&key, &nonce, &mut sealed).is_err() {
        return;
    }
    let back = V1Frame::decode_with(&sealed, &limits, Some(&KEY));
    assert_eq!(back.map(V1Frame::into_payload).as_deref(), Ok(data));
    let i = 7 + usize::from(data.first().copied().unwrap_or(0)) % (sealed.len() - 7);
    sealed[i] ^= 0x40;
    assert!(V1Frame::decode_with(&sealed, &limits, Some(&KEY)).is_err());
});
