//! Inbound inspection: the security scanner in the delivery path.
//!
//! Every inbound payload passes an [`InboundInspector`] before the application sees it. The
//! [`ScanPolicy`] decides what a risky verdict means: `Block` drops the message (it is counted in
//! [`super::agent::Stats::blocked`] and never delivered), `Flag` delivers it with the verdict
//! attached, `Allow` delivers it without scanning. The verdict travels with every delivered
//! message ([`super::agent::IncomingMessage::scan`]).
//!
//! [`ScannerInspector`] adapts [`crate::scanner::Scanner`]; tests can plug any inspector.

use crate::scanner::{ScanReport, Scanner};

/// What to do with risky inbound payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanPolicy {
    /// Drop messages whose verdict says `should_block`.
    #[default]
    Block,
    /// Deliver everything, with the verdict attached.
    Flag,
    /// Do not scan.
    Allow,
}

/// The inspector's verdict on one payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// No evidence found.
    pub safe: bool,
    /// Highest risk score in `0.0..=1.0`.
    pub score: f32,
    /// The inspector recommends blocking.
    pub should_block: bool,
    /// Rule names or other evidence (short strings).
    pub findings: Vec<String>,
}

impl Verdict {
    /// A clean verdict.
    pub fn clean() -> Self {
        Self {
            safe: true,
            score: 0.0,
            should_block: false,
            findings: Vec::new(),
        }
    }
}

/// Scan result attached to a delivered message.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanOutcome {
    /// The policy is [`ScanPolicy::Allow`] or no inspector is configured.
    NotScanned,
    /// Scanned; delivered because it is safe enough (or the policy is `Flag`).
    Scanned(Verdict),
}

/// Looks at inbound payloads before delivery.
pub trait InboundInspector: Send + Sync + 'static {
    /// Judges one payload (`msg_type` is the application message type).
    fn inspect(&self, msg_type: &str, payload: &[u8]) -> Verdict;
}

/// [`crate::scanner::Scanner`] as an inspector: JSON payloads are scanned as JSON (keys and
/// string values), anything else as text (lossy UTF-8). A scanner error is treated as a
/// blocking verdict, since an unscannable payload cannot be vouched for.
pub struct ScannerInspector {
    scanner: Scanner,
}

impl ScannerInspector {
    /// Wraps a configured scanner.
    pub fn new(scanner: Scanner) -> Self {
        Self { scanner }
    }

    /// A scanner with its default configuration.
    pub fn with_defaults() -> Result<Self, crate::scanner::ScanError> {
        Ok(Self::new(Scanner::new(
            crate::scanner::ScannerConfig::default(),
        )?))
    }
}

impl From<&ScanReport> for Verdict {
    fn from(r: &ScanReport) -> Self {
        Self {
            safe: r.safe,
            score: r.score,
            should_block: r.should_block,
            findings: r.threats.iter().map(|t| t.rule.to_string()).collect(),
        }
    }
}

impl InboundInspector for ScannerInspector {
    fn inspect(&self, _msg_type: &str, payload: &[u8]) -> Verdict {
        let text = String::from_utf8_lossy(payload);
        let is_json = serde_json::from_slice::<serde_json::Value>(payload).is_ok();
        let report = if is_json {
            self.scanner.scan_json(&text)
        } else {
            self.scanner.scan_text(&text)
        };
        match report {
            Ok(r) => Verdict::from(&r),
            Err(e) => Verdict {
                safe: false,
                score: 1.0,
                should_block: true,
                findings: vec![format!("scan error: {e}")],
            },
        }
    }
}

/// Applies the policy: `Err(verdict)` means "do not deliver".
pub fn apply(
    policy: ScanPolicy,
    inspector: Option<&dyn InboundInspector>,
    msg_type: &str,
    payload: &[u8],
) -> Result<ScanOutcome, Verdict> {
    let Some(inspector) = inspector.filter(|_| policy != ScanPolicy::Allow) else {
        return Ok(ScanOutcome::NotScanned);
    };
    let verdict = inspector.inspect(msg_type, payload);
    if policy == ScanPolicy::Block && verdict.should_block {
        Err(verdict)
    } else {
        Ok(ScanOutcome::Scanned(verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keyword;
    impl InboundInspector for Keyword {
        fn inspect(&self, _t: &str, p: &[u8]) -> Verdict {
            let bad = p.windows(4).any(|w| w == b"evil");
            Verdict {
                safe: !bad,
                score: if bad { 1.0 } else { 0.0 },
                should_block: bad,
                findings: vec![],
            }
        }
    }

    #[test]
    fn policy_decides_delivery() {
        let k: &dyn InboundInspector = &Keyword;
        assert!(apply(ScanPolicy::Block, Some(k), "t", b"evil").is_err());
        assert!(
            matches!(apply(ScanPolicy::Block, Some(k), "t", b"fine"), Ok(ScanOutcome::Scanned(v)) if v.safe)
        );
        assert!(
            matches!(apply(ScanPolicy::Flag, Some(k), "t", b"evil"), Ok(ScanOutcome::Scanned(v)) if v.should_block)
        );
        assert_eq!(
            apply(ScanPolicy::Allow, Some(k), "t", b"evil"),
            Ok(ScanOutcome::NotScanned)
        );
        assert_eq!(
            apply(ScanPolicy::Block, None, "t", b"evil"),
            Ok(ScanOutcome::NotScanned)
        );
    }
}
