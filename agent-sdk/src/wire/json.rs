//! JSON checks shared by the encoders and decoders: nesting depth (a byte scan, no parse)
//! and parsing with typed errors.

use serde_json::Value;

use super::error::EncodeError;

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

/// Parses `bytes` as JSON after checking its depth against `max_depth`.
pub fn parse(bytes: &[u8], max_depth: usize) -> Result<Value, EncodeError> {
    if depth_exceeds(bytes, max_depth) {
        return Err(EncodeError::NestingTooDeep { max: max_depth });
    }
    serde_json::from_slice(bytes).map_err(|e| EncodeError::InvalidJson {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })
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

    #[test]
    fn parse_reports_position() {
        let err = parse(b"{\n  \"a\": }", 8).unwrap_err();
        assert!(
            matches!(err, EncodeError::InvalidJson { line: 2, .. }),
            "{err:?}"
        );
        assert_eq!(
            parse(b"[[[]]]", 2),
            Err(EncodeError::NestingTooDeep { max: 2 })
        );
    }
}
