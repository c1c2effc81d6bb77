//! Token counts and cost estimates for the routing header.
//!
//! Counts come from a real BPE tokenizer (tiktoken-rs: the vocabularies are compiled into
//! that crate, nothing is downloaded) when the model's family is known; each vocabulary is
//! built lazily, once per process, on first use (tiktoken-rs keeps it in a `OnceLock`). Building
//! one takes on the order of a second, so encoders count tokens only when asked
//! ([`super::FrameOptions::count_tokens`]).
//!
//! The cost estimate uses the reference implementation's per-model prices and its f32
//! arithmetic, so interop frames carry the same cost bytes as the reference writes.

use tiktoken_rs::CoreBPE;

/// A BPE vocabulary known to this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tokenizer {
    /// OpenAI `cl100k_base` (GPT-4, GPT-3.5, text-embedding-3).
    Cl100k,
    /// OpenAI `o200k_base` (GPT-4o, GPT-4.1, o-series, GPT-5).
    O200k,
}

impl Tokenizer {
    /// Wire id of this tokenizer in the token-count extension (0 cl100k, 1 o200k).
    pub fn id(self) -> u8 {
        match self {
            Tokenizer::Cl100k => 0,
            Tokenizer::O200k => 1,
        }
    }

    /// Tokenizer with wire id `id`.
    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            0 => Some(Tokenizer::Cl100k),
            1 => Some(Tokenizer::O200k),
            _ => None,
        }
    }

    /// The vocabulary's name.
    pub fn name(self) -> &'static str {
        match self {
            Tokenizer::Cl100k => "cl100k_base",
            Tokenizer::O200k => "o200k_base",
        }
    }

    /// The tokenizer a model family uses, if known.
    pub fn for_model(model: &str) -> Option<Self> {
        match tiktoken_rs::tokenizer::get_tokenizer(model)? {
            tiktoken_rs::tokenizer::Tokenizer::Cl100kBase => Some(Tokenizer::Cl100k),
            tiktoken_rs::tokenizer::Tokenizer::O200kBase
            | tiktoken_rs::tokenizer::Tokenizer::O200kHarmony => Some(Tokenizer::O200k),
            _ => None,
        }
    }

    /// The shared BPE (built on first use).
    pub fn bpe(self) -> &'static CoreBPE {
        match self {
            Tokenizer::Cl100k => tiktoken_rs::cl100k_base_singleton(),
            Tokenizer::O200k => tiktoken_rs::o200k_base_singleton(),
        }
    }

    /// Number of tokens in `texts` (special-token text counted as ordinary text).
    pub fn count<'a>(self, texts: impl IntoIterator<Item = &'a str>) -> u32 {
        let bpe = self.bpe();
        let total: usize = texts.into_iter().map(|t| bpe.count_ordinary(t)).sum();
        u32::try_from(total).unwrap_or(u32::MAX)
    }
}

/// Price of a model in US cents per 1,000 tokens (input, output), as the reference prices it.
fn pricing(model: &str) -> (f32, f32) {
    let m = model.to_ascii_lowercase();
    let p = |prefix: &str| m.starts_with(prefix);
    if p("gpt-4o-mini") {
        (0.015, 0.06)
    } else if p("gpt-4o") {
        (0.25, 1.00)
    } else if p("gpt-4-turbo") {
        (1.00, 3.00)
    } else if p("gpt-4") {
        (3.00, 6.00)
    } else if p("gpt-3.5-turbo") {
        (0.05, 0.15)
    } else if p("o1-preview") {
        (1.50, 6.00)
    } else if p("o1-mini") {
        (0.30, 1.20)
    } else if p("o3-mini") {
        (0.11, 0.44)
    } else if p("o3") {
        (2.00, 8.00)
    } else if p("claude-3-opus") {
        (1.50, 7.50)
    } else if p("claude-3.5-sonnet") || p("claude-3-5-sonnet") || p("claude-3-sonnet") {
        (0.30, 1.50)
    } else if p("claude-3.5-haiku") || p("claude-3-5-haiku") {
        (0.08, 0.40)
    } else if p("claude-3-haiku") {
        (0.025, 0.125)
    } else if p("gemini-1.5-pro") {
        (0.125, 0.50)
    } else if p("gemini-1.5-flash") {
        (0.0075, 0.03)
    } else if p("gemini-2.0-flash") {
        (0.01, 0.04)
    } else {
        (0.10, 0.30)
    }
}

/// Estimated cost in USD of `prompt` input and `completion` output tokens on `model`
/// (computed in f32 exactly as the reference does, so the bytes match).
pub fn estimate_cost_usd(model: &str, prompt: u32, completion: u32) -> f32 {
    let (input_cents, output_cents) = pricing(model);
    // Token counts above 2^24 lose precision in f32; the reference accepts that too.
    let input = (prompt as f32 / 1000.0) * input_cents;
    let output = (completion as f32 / 1000.0) * output_cents;
    (input + output) / 100.0
}

/// The reference's token estimate from content bytes (4 bytes a token).
pub fn estimate_tokens_from_bytes(content_bytes: u32) -> u32 {
    content_bytes / 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(Tokenizer::for_model("gpt-4o"), Some(Tokenizer::O200k));
        assert_eq!(Tokenizer::for_model("gpt-4-0613"), Some(Tokenizer::Cl100k));
        assert_eq!(Tokenizer::for_model("claude-3-haiku"), None);
    }

    #[test]
    fn counts_with_a_real_tokenizer() {
        // "Hello, world!" is 4 tokens in both vocabularies.
        assert_eq!(Tokenizer::Cl100k.count(["Hello, world!"]), 4);
        assert_eq!(Tokenizer::O200k.count(["Hello, world!", ""]), 4);
    }

    #[test]
    fn reference_cost_bits() {
        // Values pinned by the reference vectors in m2m-wire.md.
        assert_eq!(
            estimate_cost_usd("gpt-4o", 0, 500).to_le_bytes(),
            [0x0a, 0xd7, 0xa3, 0x3b]
        );
        assert_eq!(
            estimate_cost_usd("gpt-4o", 14, 100).to_le_bytes(),
            [0xd6, 0xa8, 0x87, 0x3a]
        );
        assert_eq!(
            estimate_cost_usd("gpt-4o", 5, 1).to_le_bytes(),
            [0x61, 0xbe, 0xbc, 0x37]
        );
    }
}
