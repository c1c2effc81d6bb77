//! A linear JSON walker that extracts every string (keys and values) with offsets into the source.
//!
//! The scanner matches rules against what a model will read — the decoded strings — never against JSON
//! punctuation, so `{"$schema": ...}` is the key `$schema`, and `\u0069gnore` is `ignore`. The walker
//! checks bracket structure and string syntax (enough to tell JSON from text), measures nesting depth
//! without recursion, and records control characters that hide behind escapes.

use super::offsets::OffsetMap;
use super::{Category, Hit};

/// Strings separator in the decoded buffer; never produced by decoding (control escapes decode to a space).
pub(crate) const SEPARATOR: u8 = 0;

/// The strings of a JSON document, concatenated with [`SEPARATOR`] between them.
#[derive(Debug)]
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct Decoded {
    /// Decoded strings.
    pub(crate) text: String,
    /// Decoded byte → source byte.
    pub(crate) map: OffsetMap,
    /// Findings made while decoding, with source offsets.
    pub(crate) hits: Vec<Hit>,
    /// Deepest nesting of arrays and objects.
    pub(crate) max_depth: usize,
}

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotJson {
    /// Byte offset of the problem.
    pub(crate) offset: usize,
    /// What is wrong there.
    pub(crate) reason: &'static str,
}

fn err(offset: usize, reason: &'static str) -> NotJson {
    NotJson { offset, reason }
}

/// Walks `src` as JSON. Fails on text that is not a JSON array, object or string.
pub(crate) fn walk(src: &str) -> Result<Decoded, NotJson> {
    walk_with(src, string)
}

/// [`walk`] with the byte-by-byte string loop (the differential test's oracle).
#[cfg(test)]
fn walk_reference(src: &str) -> Result<Decoded, NotJson> {
    walk_with(src, string_reference)
}

#[inline]
fn walk_with(
    src: &str,
    string: impl Fn(&str, usize, &mut Decoded) -> Result<usize, NotJson>,
) -> Result<Decoded, NotJson> {
    let b = src.as_bytes();
    let mut out = Decoded {
        // The decoded strings are never longer than the source (a separator replaces two quotes).
        text: String::with_capacity(src.len()),
        map: OffsetMap::with_capacity(64),
        hits: Vec::new(),
        max_depth: 0,
    };
    let mut stack: Vec<u8> = Vec::with_capacity(16);
    let mut i = 0;
    let mut seen_value = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' => i += 1,
            b'{' | b'[' => {
                if stack.is_empty() && seen_value {
                    return Err(err(i, "trailing data after the JSON value"));
                }
                stack.push(if c == b'{' { b'}' } else { b']' });
                out.max_depth = out.max_depth.max(stack.len());
                seen_value = true;
                i += 1;
            }
            b'}' | b']' => {
                if stack.pop() != Some(c) {
                    return Err(err(i, "mismatched bracket"));
                }
                i += 1;
            }
            b'"' => {
                if stack.is_empty() && seen_value {
                    return Err(err(i, "trailing data after the JSON value"));
                }
                seen_value = true;
                i = string(src, i, &mut out)?;
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                if stack.is_empty() {
                    return Err(err(i, "not a JSON array, object or string"));
                }
                let start = i;
                while i < b.len()
                    && matches!(b[i], b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E')
                {
                    i += 1;
                }
                let tok = &b[start..i];
                let literal = matches!(tok, b"true" | b"false" | b"null");
                let number = tok
                    .iter()
                    .all(|c| matches!(c, b'-' | b'+' | b'.' | b'0'..=b'9' | b'e' | b'E'))
                    && tok.iter().any(u8::is_ascii_digit);
                if !literal && !number {
                    return Err(err(start, "invalid literal"));
                }
            }
            _ => return Err(err(i, "unexpected character")),
        }
    }
    if !stack.is_empty() {
        return Err(err(b.len(), "unclosed array or object"));
    }
    if !seen_value {
        return Err(err(0, "empty input"));
    }
    Ok(out)
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    let s = std::str::from_utf8(s).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Whether a string byte needs attention: the closing quote, an escape, or a (forbidden) raw control.
#[inline]
fn special(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// The first offset at or after `i` whose byte is [`special`] (or `b.len()`).
///
/// Strings of up to eight bytes (roles, short keys) are settled by one eight-byte SWAR word, below
/// the call overhead of `memchr2` (four words measured slower on long prose: most of it then took
/// both paths). Past those, `memchr2` (vectorised) finds the next quote or backslash; the
/// span before it is then checked for raw controls with a branch-free minimum over the whole span,
/// and only if one is there is it searched byte by byte (an error path).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn next_special(b: &[u8], i: usize) -> usize {
    next_special_generic(b, i)
}

/// [`next_special`] on x86_64: 16 bytes per step, SSE2 compares for quote, backslash and bytes below
/// 0x20 turned into a bit mask (through `safe_arch`'s safe wrappers); no call per string run.
#[cfg(target_arch = "x86_64")]
#[inline]
fn next_special(b: &[u8], mut i: usize) -> usize {
    use safe_arch::{
        cmp_eq_mask_i8_m128i, m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let quote = set_splat_i8_m128i(b'"' as i8);
    let backslash = set_splat_i8_m128i(b'\\' as i8);
    let below_space = set_splat_i8_m128i(0x1f);
    while let Some(chunk) = b.get(i..i + 16) {
        let mut a = [0u8; 16];
        a.copy_from_slice(chunk);
        let v = m128i::from(a);
        // `min(v, 0x1f) == v` is the unsigned `v <= 0x1f`.
        let hit = cmp_eq_mask_i8_m128i(v, quote)
            | cmp_eq_mask_i8_m128i(v, backslash)
            | cmp_eq_mask_i8_m128i(min_u8_m128i(v, below_space), v);
        let bits = move_mask_i8_m128i(hit);
        if bits != 0 {
            return i + bits.trailing_zeros() as usize;
        }
        i += 16;
    }
    while b.get(i).is_some_and(|&c| !special(c)) {
        i += 1;
    }
    i
}

/// [`next_special`] without SSE2 (other targets, and a test oracle).
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline]
fn next_special_generic(b: &[u8], mut i: usize) -> usize {
    for _ in 0..1 {
        match b.get(i..i + 8) {
            Some(chunk) if !has_special(chunk) => i += 8,
            _ => {
                while b.get(i).is_some_and(|&c| !special(c)) {
                    i += 1;
                }
                return i;
            }
        }
    }
    let rest = b.get(i..).unwrap_or_default();
    let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    let span = &rest[..end];
    if min_byte(span) < 0x20 {
        i + span.iter().position(|&c| c < 0x20).unwrap_or(end)
    } else {
        i + end
    }
}

#[cfg(any(not(target_arch = "x86_64"), test))]
/// Whether the eight bytes of `chunk` hold a [`special`] byte (exact: the standard "has a zero
/// byte" / "has a byte below n" word tests).
#[inline]
fn has_special(chunk: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    let w = u64::from_le_bytes(w);
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let found = (quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (w.wrapping_sub(ONES * 0x20) & !w);
    found & HIGH != 0
}

#[cfg(any(not(target_arch = "x86_64"), test))]
/// The smallest byte of `s` (`0xff` for an empty slice), without an early exit so that LLVM turns
/// the chunk loop into vector minimums.
#[inline]
fn min_byte(s: &[u8]) -> u8 {
    const LANES: usize = 16;
    if s.len() < LANES {
        return s.iter().fold(0xff, |m, &c| m.min(c));
    }
    let mut acc = [0xffu8; LANES];
    let mut chunks = s.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, &c) in acc.iter_mut().zip(chunk) {
            *a = (*a).min(c);
        }
    }
    // The remainder is covered by the last (overlapping) full chunk.
    if !chunks.remainder().is_empty() {
        for (a, &c) in acc.iter_mut().zip(&s[s.len() - LANES..]) {
            *a = (*a).min(c);
        }
    }
    acc.iter().fold(0xff, |m, &c| m.min(c))
}

/// Decodes the string starting at `b[open] == '"'`; returns the offset after the closing quote.
fn string(src: &str, open: usize, out: &mut Decoded) -> Result<usize, NotJson> {
    string_with(src, open, out, next_special)
}

/// [`string`] with the plain byte-by-byte skip: the oracle of the differential test.
#[cfg(test)]
fn string_reference(src: &str, open: usize, out: &mut Decoded) -> Result<usize, NotJson> {
    string_with(src, open, out, |b, i| {
        if b.get(i).is_some_and(|&c| !special(c)) {
            i + 1
        } else {
            i
        }
    })
}

/// Decodes the string at `open`; `skip(b, i)` returns an offset `>= i` with only non-special bytes
/// before it.
#[inline]
fn string_with(
    src: &str,
    open: usize,
    out: &mut Decoded,
    skip: impl Fn(&[u8], usize) -> usize,
) -> Result<usize, NotJson> {
    let b = src.as_bytes();
    if !out.text.is_empty() {
        out.text.push(SEPARATOR as char);
        out.map.push_unit(open, 0, 1);
    }
    let mut i = open + 1;
    let mut run = i;
    loop {
        i = skip(b, i);
        let Some(&c) = b.get(i) else {
            return Err(err(open, "unterminated string"));
        };
        match c {
            b'"' | b'\\' => {
                if run < i {
                    out.text.push_str(&src[run..i]);
                    out.map.push_linear(run, i - run);
                }
                if c == b'"' {
                    return Ok(i + 1);
                }
                let esc = *b.get(i + 1).ok_or_else(|| err(i, "unterminated escape"))?;
                let (ch, len) = match esc {
                    b'"' => ('"', 2),
                    b'\\' => ('\\', 2),
                    b'/' => ('/', 2),
                    b'n' => ('\n', 2),
                    b't' => ('\t', 2),
                    b'r' => ('\r', 2),
                    b'b' => ('\u{8}', 2),
                    b'f' => ('\u{c}', 2),
                    b'u' => {
                        let hi = hex4(b, i + 2).ok_or_else(|| err(i, "invalid \\u escape"))?;
                        if (0xD800..0xDC00).contains(&hi) {
                            let lo = if b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u')
                            {
                                hex4(b, i + 8).filter(|lo| (0xDC00..0xE000).contains(lo))
                            } else {
                                None
                            };
                            match lo {
                                Some(lo) => {
                                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                    (char::from_u32(cp).unwrap_or('\u{FFFD}'), 12)
                                }
                                None => ('\u{FFFD}', 6),
                            }
                        } else {
                            (char::from_u32(hi).unwrap_or('\u{FFFD}'), 6)
                        }
                    }
                    _ => return Err(err(i, "invalid escape")),
                };
                let ch = if is_hidden_control(ch) {
                    let ansi = ch == '\u{1b}' && matches!(b.get(i + len), Some(b'[' | b']'));
                    let (rule, score) = if ansi {
                        ("ansi_escape", 0.8)
                    } else {
                        ("control_char", 0.6)
                    };
                    out.hits
                        .push(Hit::new(rule, Category::Malformed, score, i, i + len));
                    ' '
                } else {
                    ch
                };
                let before = out.text.len();
                out.text.push(ch);
                out.map.push_unit(i, len, out.text.len() - before);
                i += len;
                run = i;
            }
            0x00..=0x1f => return Err(err(i, "raw control character in string")),
            _ => i += 1,
        }
    }
}

/// Control characters that have no business in text (tab, newline and carriage return excepted).
pub(crate) fn is_hidden_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_keys_and_values_with_escapes() {
        let src = r#"{"a\u0069": ["x\ny", 1, true, null], "k": "\ud83d\ude00"}"#;
        let d = walk(src).unwrap();
        assert_eq!(d.text, "ai\0x\ny\0k\0😀");
        assert_eq!(d.max_depth, 2);
        let i = d.text.find('i').unwrap();
        assert_eq!(&src[d.map.start(i)..d.map.end(i + 1)], r"\u0069");
    }

    #[test]
    fn rejects_text_and_broken_json() {
        assert!(walk("hello").is_err());
        assert!(walk("{\"a\": ").is_err());
        assert!(walk("[1, 2]]").is_err());
        assert!(walk("{\"a\": nope}").is_err());
        assert!(walk("{} {}").is_err());
    }

    /// JSON-ish pieces: string boundaries, every kind of escape, raw controls, long plain runs.
    fn pieces() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("{\"k\": \"".to_string()),
            Just("\", \"v\": [1, true, \"".to_string()),
            Just("\"]}".to_string()),
            Just("\"}".to_string()),
            Just("\\u0069\\n\\\\\\\"".to_string()),
            Just("\\ud83d\\ude00\\ud83d\\u001b[".to_string()),
            Just("\u{1}\t\n".to_string()),
            Just("plain prose with more than eight bytes ".to_string()),
            Just("ｉｇｎｏｒｅ é ".to_string()),
            "[ -~]{0,20}",
            ".{0,10}",
            // Plain runs crossing the 16-byte chunks of `min_byte` and `memchr2`'s vector widths.
            "[a-z ]{14,70}",
            "[a-zé ]{30,140}",
            // Single special bytes, so that they land at every offset of a run.
            Just("\"".to_string()),
            Just("\\n".to_string()),
            Just("\\".to_string()),
            Just("\u{0}".to_string()),
            Just("\u{1f}".to_string()),
            Just("\u{7f}".to_string()),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    /// Every placement of one special byte (or escape) in plain runs of every length up to past
    /// several chunks, with plain or multibyte filler, inside and outside a string.
    #[test]
    fn fast_skip_matches_reference_at_every_position() {
        for filler in ["a", "é"] {
            for len in 0..80 {
                for special in ["\u{0}", "\u{1f}", "\n", "\"", "\\", "\\n", "\\u0000"] {
                    for at in 0..=len {
                        let body =
                            format!("{}{special}{}", filler.repeat(at), filler.repeat(len - at));
                        for s in [format!("[\"{body}\"]"), format!("\"{body}"), body] {
                            assert_eq!(walk(&s), walk_reference(&s), "{s:?}");
                        }
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The SSE2 skip and the generic one stop at the same byte, from any start.
        #[test]
        fn next_special_matches_generic(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => 0x20u8..0x7f,
                    1 => proptest::prelude::any::<u8>(),
                    1 => proptest::sample::select(vec![b'"', b'\\', 0x1f, 0x20, 0x00, 0x7f, 0x80, 0xff]),
                ],
                0..200,
            ),
            start in 0usize..200,
        ) {
            let start = start.min(bytes.len());
            proptest::prop_assert_eq!(next_special(&bytes, start), next_special_generic(&bytes, start));
        }

        /// The word-at-a-time skip decodes exactly like the byte-by-byte loop (text, map, findings,
        /// errors and their offsets).
        #[test]
        fn fast_skip_matches_reference(s in pieces()) {
            proptest::prop_assert_eq!(walk(&s), walk_reference(&s));
            let wrapped = format!("[\"{s}\"]");
            proptest::prop_assert_eq!(walk(&wrapped), walk_reference(&wrapped));
        }
    }

    #[test]
    fn escaped_control_characters_are_found() {
        let d = walk(r#"["a\u0000b"]"#).unwrap();
        assert_eq!(d.hits.len(), 1);
        assert_eq!(d.text, "a b");
    }
}
