//! Wire codec benchmark: prints ratio and encode/decode µs per size class for every format,
//! plus raw Brotli and zstd baselines, on the held-out eval corpus.
//!
//! Run (after building the corpus, see agent-sdk/data/):
//! ```text
//! agent-sdk/data/fetch.sh && python3 agent-sdk/data/build_corpus.py
//! CARGO_TARGET_DIR=/work/targets/sdk cargo bench -p aether-agent --bench wire
//! ```
//! `WIRE_BENCH_CORPUS` overrides the corpus path; `WIRE_BENCH_PER_CLASS` the number of samples
//! per class (default 40); `WIRE_BENCH_TOKENS=1` adds the TokenNative rows (slow).
//!
//! Ratio is the sum of frame bytes over the sum of input bytes in the class (frames include
//! every header byte); the median ratio is over samples. Times are the mean over samples of
//! the median of 9 timed batches per sample, on one thread, after warm-up calls (vocabularies,
//! dictionaries and contexts are built by then).

use std::hint::black_box;
use std::io::Write as _;
use std::time::{Duration, Instant};

use aether_agent::wire::{self, Algorithm, EncodeOptions, FrameOptions, Limits};

struct Sample {
    kind: String,
    text: Vec<u8>,
}

const CLASSES: [(&str, usize, usize); 4] = [
    ("< 500 B", 0, 500),
    ("500 B-4 KB", 500, 4_000),
    ("4-20 KB", 4_000, 20_000),
    (">= 20 KB", 20_000, usize::MAX),
];

fn load() -> Vec<Sample> {
    let path = std::env::var("WIRE_BENCH_CORPUS")
        .unwrap_or_else(|_| format!("{}/data/corpus/eval.jsonl", env!("CARGO_MANIFEST_DIR")));
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("no corpus at {path}: run agent-sdk/data/fetch.sh and build_corpus.py first");
        std::process::exit(2);
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let text = v["text"].as_str().unwrap_or("");
            let mut kind = v["kind"].as_str().unwrap_or("").to_owned();
            // Inline base64 images are incompressible; report them apart from chat traffic.
            if text.contains(";base64,") {
                kind.push_str(" with base64 image");
            }
            Sample {
                kind,
                text: text.as_bytes().to_vec(),
            }
        })
        .collect()
}

/// Time of one call of `f`: the median over 9 batches, each batch sized to take about
/// `budget / 9` (the machine is shared, so the median resists other processes' bursts).
fn time<F: FnMut()>(mut f: F, budget: Duration) -> Duration {
    f();
    let probe = Instant::now();
    f();
    let once = probe.elapsed().max(Duration::from_nanos(50));
    let per_batch = ((budget / 9).as_nanos() / once.as_nanos()).clamp(1, 5_000) as u32;
    let mut batches: Vec<Duration> = (0..9)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed() / per_batch
        })
        .collect();
    batches.sort();
    batches[4]
}

type Enc = Box<dyn Fn(&[u8]) -> Vec<u8>>;
type Dec = Box<dyn Fn(&[u8]) -> Vec<u8>>;

fn brotli_raw(q: u32) -> (Enc, Dec) {
    (
        Box::new(move |d: &[u8]| {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, q, 22);
                w.write_all(d).unwrap();
            }
            out
        }),
        Box::new(|d: &[u8]| {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut brotli::Decompressor::new(d, 4096), &mut out).unwrap();
            out
        }),
    )
}

fn codec(alg: Algorithm, count_tokens: bool) -> (Enc, Dec) {
    let opts = EncodeOptions {
        frame: FrameOptions {
            count_tokens,
            stream: false,
        },
        hmac_key: None,
    };
    (
        Box::new(move |d: &[u8]| wire::compress(d, alg, &opts).unwrap()),
        Box::new(|f: &[u8]| wire::decompress(f, &Limits::default(), None).unwrap()),
    )
}

fn main() {
    let samples = load();
    let per_class: usize = std::env::var("WIRE_BENCH_PER_CLASS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let with_tokens = std::env::var("WIRE_BENCH_TOKENS").is_ok();
    let mut formats: Vec<(&str, Enc, Dec)> = Vec::new();
    let (e, d) = codec(Algorithm::Aether, false);
    formats.push(("aether (#M2A)", e, d));
    let (e, d) = codec(Algorithm::Aether, true);
    formats.push(("aether + token count", e, d));
    let (e, d) = codec(Algorithm::M2m, false);
    formats.push(("m2m v1 binary", e, d));
    let (e, d) = codec(Algorithm::M2mText, false);
    formats.push(("m2m v1 text", e, d));
    let (e, d) = codec(Algorithm::Brotli, false);
    formats.push(("brotli v3 text", e, d));
    if with_tokens {
        let (e, d) = codec(Algorithm::TokenO200k, false);
        formats.push(("token-native o200k", e, d));
    }
    let (e, d) = brotli_raw(5);
    formats.push(("baseline brotli q5", e, d));
    let (e, d) = brotli_raw(11);
    formats.push(("baseline brotli q11", e, d));
    formats.push((
        "baseline zstd -3",
        Box::new(|d: &[u8]| zstd::bulk::compress(d, 3).unwrap()),
        Box::new(|f: &[u8]| zstd::bulk::decompress(f, 1 << 24).unwrap()),
    ));

    for kind in ["request", "response", "sse", "request with base64 image"] {
        let of_kind: Vec<&Sample> = samples.iter().filter(|s| s.kind == kind).collect();
        for (class, lo, hi) in CLASSES {
            let in_class: Vec<&Sample> = of_kind
                .iter()
                .copied()
                .filter(|s| s.text.len() >= lo && s.text.len() < hi)
                .collect();
            if in_class.is_empty() {
                continue;
            }
            let step = in_class.len().div_ceil(per_class).max(1);
            let picked: Vec<&Sample> = in_class.iter().copied().step_by(step).collect();
            let bytes: usize = picked.iter().map(|s| s.text.len()).sum();
            println!(
                "\n{kind} {class}: {} samples (of {}), mean {} B",
                picked.len(),
                in_class.len(),
                bytes / picked.len()
            );
            println!("| format | ratio | median ratio | encode µs | decode µs |");
            println!("|---|---|---|---|---|");
            for (name, enc, dec) in &formats {
                let sse_alg = kind == "sse";
                // SSE rows: the first aether row runs the linked sequence, the second the
                // per-event frames; the other formats take one JSON document, not a stream.
                if sse_alg && !name.starts_with("aether") && !name.starts_with("baseline") {
                    continue;
                }
                let sse_linked = sse_alg && name.starts_with("aether (");
                let sse_frames = sse_alg && name.starts_with("aether +");
                let mut out_bytes = 0usize;
                let mut ratios = Vec::with_capacity(picked.len());
                let (mut te, mut td) = (Duration::ZERO, Duration::ZERO);
                let budget = Duration::from_millis(if bytes / picked.len() > 20_000 {
                    60
                } else {
                    15
                });
                for s in &picked {
                    let enc_fn: &dyn Fn(&[u8]) -> Vec<u8> = if sse_linked {
                        &|d: &[u8]| {
                            wire::compress(d, Algorithm::Sse, &EncodeOptions::default()).unwrap()
                        }
                    } else if sse_frames {
                        &|d: &[u8]| {
                            wire::compress(d, Algorithm::SseFrames, &EncodeOptions::default())
                                .unwrap()
                        }
                    } else {
                        enc.as_ref()
                    };
                    let frame = enc_fn(&s.text);
                    assert_eq!(dec(&frame), s.text, "{name} round trip");
                    out_bytes += frame.len();
                    ratios.push(frame.len() as f64 / s.text.len().max(1) as f64);
                    te += time(
                        || {
                            black_box(enc_fn(black_box(&s.text)));
                        },
                        budget,
                    );
                    td += time(
                        || {
                            black_box(dec(black_box(&frame)));
                        },
                        budget,
                    );
                }
                let n = picked.len() as u32;
                let label = if sse_linked {
                    "aether sse linked (#M2L)"
                } else if sse_frames {
                    "aether sse per-event frames (#M2S)"
                } else {
                    name
                };
                ratios.sort_by(f64::total_cmp);
                println!(
                    "| {label} | {:.3} | {:.3} | {:.1} | {:.1} |",
                    out_bytes as f64 / bytes as f64,
                    ratios[ratios.len() / 2],
                    (te / n).as_secs_f64() * 1e6,
                    (td / n).as_secs_f64() * 1e6
                );
            }
        }
    }
}
