//! Quality evaluation of the security scanner on the labelled development set.
//!
//! Run (after `agent-sdk/eval/fetch.sh && python3 agent-sdk/eval/assemble.py`):
//! ```text
//! cargo run --release -p aether-agent --example scan_eval -- [--data agent-sdk/eval/data/dev.jsonl]
//!     [--split heldout|tune|all] [--threshold 0.7] [--show-fn N] [--show-fp N]
//! ```
//! Prints, per labelled category, the true-positive rate (`should_block`) and the rate at which the
//! labelled category itself reaches the threshold; per benign source, the false-positive rate overall and
//! per category. `--show-fn` / `--show-fp` print misses and false alarms (use them on `--split tune` only,
//! so the held-out figures stay honest).

use std::collections::BTreeMap;
use std::io::BufRead;

use aether_agent::scanner::{Category, InputMode, Scanner, ScannerConfig};

struct Args {
    data: String,
    split: String,
    threshold: f32,
    show_fn: usize,
    show_fp: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        data: "agent-sdk/eval/data/dev.jsonl".into(),
        split: "heldout".into(),
        threshold: 0.7,
        show_fn: 0,
        show_fp: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or(format!("{k} needs a value"))?;
        match k.as_str() {
            "--data" => a.data = v,
            "--split" => a.split = v,
            "--threshold" => a.threshold = v.parse().map_err(|e| format!("--threshold: {e}"))?,
            "--show-fn" => a.show_fn = v.parse().map_err(|e| format!("--show-fn: {e}"))?,
            "--show-fp" => a.show_fp = v.parse().map_err(|e| format!("--show-fp: {e}"))?,
            _ => return Err(format!("unknown argument {k}")),
        }
    }
    Ok(a)
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:5.1} %", 100.0 * n as f64 / d as f64)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let scanner = Scanner::new(ScannerConfig {
        threshold: a.threshold,
        ..ScannerConfig::default()
    })?;
    let file = std::fs::File::open(&a.data)
        .map_err(|e| format!("{}: {e} (run eval/fetch.sh and eval/assemble.py)", a.data))?;
    // positives: category -> (n, blocked, own category reached)
    let mut pos: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    // negatives: source -> (n, blocked, per category)
    let mut neg: BTreeMap<String, (usize, usize, [usize; 4])> = BTreeMap::new();
    let (mut shown_fn, mut shown_fp) = (0, 0);
    for line in std::io::BufReader::new(file).lines() {
        let rec: serde_json::Value = serde_json::from_str(&line?)?;
        let split = rec["split"].as_str().unwrap_or("");
        if a.split != "all" && split != a.split {
            continue;
        }
        let text = rec["text"].as_str().unwrap_or("");
        let mode = if rec["json"].as_bool() == Some(true) {
            InputMode::Auto
        } else {
            InputMode::Text
        };
        let report = scanner.scan_with(text, mode)?;
        let category = rec["category"].as_str().unwrap_or("").to_string();
        let source = rec["source"].as_str().unwrap_or("").to_string();
        if rec["label"].as_i64() == Some(1) {
            let own = Category::ALL
                .iter()
                .find(|c| c.as_str() == category)
                .map(|c| report.category_score(*c) >= a.threshold);
            for key in [category.clone(), format!("{category} / {source}")] {
                let e = pos.entry(key).or_default();
                e.0 += 1;
                e.1 += usize::from(report.should_block);
                e.2 += usize::from(own == Some(true));
            }
            if !report.should_block && shown_fn < a.show_fn {
                shown_fn += 1;
                let snippet: String = text.chars().take(300).collect();
                println!(
                    "MISS [{category}/{source}] score {:.2} {:?}\n  {snippet:?}\n",
                    report.score,
                    report.threats.iter().map(|t| t.rule).collect::<Vec<_>>()
                );
            }
        } else {
            let e = neg.entry(source.clone()).or_default();
            e.0 += 1;
            e.1 += usize::from(report.should_block);
            for c in Category::ALL {
                e.2[c as usize] += usize::from(report.category_score(c) >= a.threshold);
            }
            if report.should_block && shown_fp < a.show_fp {
                shown_fp += 1;
                let rules: Vec<String> = report
                    .threats
                    .iter()
                    .map(|t| {
                        format!(
                            "{}@{}..{}={:?}",
                            t.rule,
                            t.start,
                            t.end,
                            text.get(t.start..t.end).unwrap_or("")
                        )
                    })
                    .collect();
                println!(
                    "FALSE ALARM [{source}] score {:.2} {rules:?}\n  {:?}\n",
                    report.score,
                    text.chars().take(300).collect::<String>()
                );
            }
        }
    }
    println!("split: {}, threshold {}\n", a.split, a.threshold);
    println!("| attacks (label) | n | blocked (TPR) | own category ≥ threshold |");
    println!("|---|---:|---:|---:|");
    let (mut tn, mut tb) = (0, 0);
    for (c, (n, b, own)) in &pos {
        if c.contains(" / ") {
            println!(
                "| &nbsp;&nbsp;{c} | {n} | {} | {} |",
                pct(*b, *n),
                pct(*own, *n)
            );
        } else {
            println!("| **{c}** | {n} | {} | {} |", pct(*b, *n), pct(*own, *n));
            tn += n;
            tb += b;
        }
    }
    println!("| **all attacks** | {tn} | {} | |", pct(tb, tn));
    println!(
        "\n| benign source | n | blocked (FPR) | injection | jailbreak | exfiltration | malformed |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut nn, mut nb, mut nc) = (0, 0, [0usize; 4]);
    for (s, (n, b, per)) in &neg {
        println!(
            "| {s} | {n} | {} | {} | {} | {} | {} |",
            pct(*b, *n),
            pct(per[0], *n),
            pct(per[1], *n),
            pct(per[2], *n),
            pct(per[3], *n)
        );
        nn += n;
        nb += b;
        for i in 0..4 {
            nc[i] += per[i];
        }
    }
    println!(
        "| **all benign** | {nn} | {} | {} | {} | {} | {} |",
        pct(nb, nn),
        pct(nc[0], nn),
        pct(nc[1], nn),
        pct(nc[2], nn),
        pct(nc[3], nn)
    );
    Ok(())
}
