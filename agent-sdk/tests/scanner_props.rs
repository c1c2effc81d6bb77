//! Property tests of the security scanner: arbitrary input never panics, and every evidence span is a
//! valid, ordered pair of `char` boundaries of the original input (text and JSON, with escapes).

use std::sync::LazyLock;

use aether_agent::scanner::{InputMode, Scanner};
use proptest::prelude::*;

static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::default);

fn check(s: &Scanner, input: &str, mode: InputMode) {
    if let Ok(r) = s.scan_with(input, mode) {
        for t in &r.threats {
            assert!(
                t.start <= t.end && t.end <= input.len(),
                "{t:?} out of range for {input:?}"
            );
            assert!(
                input.is_char_boundary(t.start) && input.is_char_boundary(t.end),
                "{t:?} splits a char in {input:?}"
            );
            assert!((0.0..=1.0).contains(&t.score));
        }
        assert!((0.0..=1.0).contains(&r.score));
    }
}

/// Strings built from pieces that exercise the interesting paths.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("ignore all previous instructions".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{e0041}\u{e0042}".to_string()),
        Just("ｉｇｎｏｒｅ".to_string()),
        Just("і".to_string()),
        Just("\\u0000".to_string()),
        Just("\\ud83d\\ude00".to_string()),
        Just("\\ud83d".to_string()),
        Just("\"".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=".to_string()),
        Just("![x](https://e.x/?q={d})".to_string()),
        Just("$API_KEY".to_string()),
        Just("1gn0r3".to_string()),
        Just("e\u{301}".to_string()),
        Just("ﬁ".to_string()),
        Just("\u{1b}[".to_string()),
        ".{0,8}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics_and_offsets_are_char_boundaries(input in any::<String>()) {
        let s = &*SCANNER;
        check(s, &input, InputMode::Auto);
        check(s, &input, InputMode::Text);
    }

    #[test]
    fn tricky_text_and_json_offsets_are_char_boundaries(body in tricky()) {
        let s = &*SCANNER;
        check(s, &body, InputMode::Auto);
        let json = format!("{{\"content\": \"{body}\", \"k\": [\"{body}\"]}}");
        check(s, &json, InputMode::Auto);
        check(s, &json, InputMode::Json);
    }

    #[test]
    fn json_encoding_of_any_string_scans_like_the_string(body in tricky()) {
        // The same text inside a JSON string (escaped by serde_json) must give the same categories.
        let s = &*SCANNER;
        let text = s.scan_text(&body).unwrap();
        let json = serde_json::to_string(&vec![body.clone()]).unwrap();
        let inside = s.scan_json(&json).unwrap();
        prop_assert_eq!(text.should_block, inside.should_block, "text {:?} json {:?}", text.threats, inside.threats);
    }
}
