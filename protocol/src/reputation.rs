//! The reputation score, exactly as `validation_oracle::reputation` computes it.
//!
//! `score = successful × 500 / paid + stake_octas × 2 / 10⁸ + 100 − upheld × 100`, each division
//! rounded down, the success term 0 when `paid = 0`, computed in `u128`, clamped to `0..=1000`.

use crate::abi::validation_oracle::AgentStats;

/// Octas per APT.
pub const OCTAS_PER_APT: u64 = 100_000_000;
/// Highest score.
pub const MAX_SCORE: u64 = 1000;
/// Weight of the success rate (a perfect record adds this much).
pub const SUCCESS_WEIGHT: u128 = 500;
/// Points per staked APT.
pub const POINTS_PER_APT: u128 = 2;
/// Base score of every agent.
pub const BASE: u128 = 100;
/// Points lost per upheld dispute.
pub const UPHELD_PENALTY: u128 = 100;

/// What the score depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReputationInputs {
    /// Paid results not lost in a dispute.
    pub successful_tasks: u64,
    /// Results backed by a qualifying payment.
    pub paid_tasks: u64,
    /// Staked octas.
    pub stake_octas: u64,
    /// Disputes upheld against the agent.
    pub upheld_disputes: u64,
}

impl ReputationInputs {
    /// Inputs from the on-chain counters and stake.
    pub fn from_stats(stats: &AgentStats, stake_octas: u64) -> Self {
        ReputationInputs {
            successful_tasks: stats.successful_tasks,
            paid_tasks: stats.paid_tasks,
            stake_octas,
            upheld_disputes: stats.upheld_disputes,
        }
    }
}

/// The reputation score in `0..=1000`.
pub fn score(i: ReputationInputs) -> u64 {
    let success = if i.paid_tasks == 0 {
        0
    } else {
        u128::from(i.successful_tasks) * SUCCESS_WEIGHT / u128::from(i.paid_tasks)
    };
    let stake = u128::from(i.stake_octas) * POINTS_PER_APT / u128::from(OCTAS_PER_APT);
    let positive = success + stake + BASE;
    let penalty = u128::from(i.upheld_disputes) * UPHELD_PENALTY;
    let raw = positive.saturating_sub(penalty);
    // `raw.min(MAX_SCORE)` fits in u64.
    raw.min(u128::from(MAX_SCORE)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const APT: u64 = OCTAS_PER_APT;

    #[test]
    fn the_documented_example() {
        // 95 % success (38 of 40), 10 APT, 2 upheld disputes → 475 + 20 + 100 − 200.
        let i = ReputationInputs {
            successful_tasks: 38,
            paid_tasks: 40,
            stake_octas: 10 * APT,
            upheld_disputes: 2,
        };
        assert_eq!(score(i), 395);
    }

    #[test]
    fn edges() {
        assert_eq!(
            score(ReputationInputs::default()),
            100,
            "a newcomer has the base score"
        );
        let perfect = ReputationInputs {
            successful_tasks: 3,
            paid_tasks: 3,
            ..Default::default()
        };
        assert_eq!(score(perfect), 600);
        // Rounding down: 2/3 of 500 = 333.33 → 333; 1.99999999 APT → 3 points.
        let third = ReputationInputs {
            successful_tasks: 2,
            paid_tasks: 3,
            stake_octas: 2 * APT - 1,
            ..Default::default()
        };
        assert_eq!(score(third), 333 + 3 + 100);
        // Penalties below zero clamp to 0.
        let bad = ReputationInputs {
            upheld_disputes: 5,
            ..Default::default()
        };
        assert_eq!(score(bad), 0);
        // Huge stake clamps to 1000 without overflow; huge penalties clamp to 0.
        let whale = ReputationInputs {
            stake_octas: u64::MAX,
            ..Default::default()
        };
        assert_eq!(score(whale), 1000);
        let disgraced_whale = ReputationInputs {
            upheld_disputes: u64::MAX,
            ..whale
        };
        assert_eq!(score(disgraced_whale), 0);
        let everything_max = ReputationInputs {
            successful_tasks: u64::MAX,
            paid_tasks: u64::MAX,
            stake_octas: u64::MAX,
            upheld_disputes: 0,
        };
        assert_eq!(score(everything_max), 1000);
    }

    proptest! {
        #[test]
        fn always_in_range_and_monotone_in_stake(s in any::<u64>(), p in any::<u64>(), st in 0..u64::MAX / 2, u in any::<u64>()) {
            let i = ReputationInputs { successful_tasks: s.min(p), paid_tasks: p, stake_octas: st, upheld_disputes: u };
            let v = score(i);
            prop_assert!(v <= 1000);
            let more = ReputationInputs { stake_octas: st + APT, ..i };
            prop_assert!(score(more) >= v);
            let worse = ReputationInputs { upheld_disputes: u.saturating_add(1), ..i };
            prop_assert!(score(worse) <= v);
        }
    }
}
