//! JSON nesting depth check shared by the encoders and decoders (a byte scan, no parse).

/// Deepest nesting of objects/arrays in `bytes`, stopping early once it passes `max`.
/// Brackets inside strings do not count. The scan is linear and allocation-free; it does not
/// validate the JSON.
pub fn depth_exceeds(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_strings() {
        assert!(!depth_exceeds(br#"{"a":"[[[[[[[[[["}"#, 2));
        assert!(depth_exceeds(b"[[[1]]]", 2));
        assert!(!depth_exceeds(b"[[1]]", 2));
        assert!(!depth_exceeds(br#"["\"[[[["]"#, 1));
    }
}
