//! Priority-fee arithmetic: percentiles of recent prioritization fees and compute-unit
//! limits from simulation.

/// The most compute units one transaction may use.
pub const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

/// The `percentile` (0-100, nearest-rank) of `fees`; 0 when there are no samples. A
/// percentile above 100 is treated as 100.
pub fn percentile_fee(fees: &[u64], percentile: u8) -> u64 {
    let mut sorted = fees.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return 0;
    }
    let p = usize::from(percentile.min(100));
    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// The compute-unit limit for a transaction that consumed `consumed` units in simulation:
/// `consumed * (100 + margin_percent) / 100 + headroom`, at most
/// [`MAX_COMPUTE_UNIT_LIMIT`].
pub fn compute_unit_limit(consumed: u64, margin_percent: u32, headroom: u32) -> u32 {
    let with_margin =
        u128::from(consumed) * (100 + u128::from(margin_percent)) / 100 + u128::from(headroom);
    u32::try_from(with_margin)
        .unwrap_or(MAX_COMPUTE_UNIT_LIMIT)
        .min(MAX_COMPUTE_UNIT_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile_fee(&[], 75), 0);
        assert_eq!(percentile_fee(&[7], 0), 7);
        assert_eq!(percentile_fee(&[7], 100), 7);
        let fees = [50, 10, 40, 20, 30, 0, 0, 0, 0, 100];
        assert_eq!(percentile_fee(&fees, 50), 10);
        assert_eq!(percentile_fee(&fees, 75), 40);
        assert_eq!(percentile_fee(&fees, 90), 50);
        assert_eq!(percentile_fee(&fees, 100), 100);
        assert_eq!(percentile_fee(&fees, 255), 100);
        assert_eq!(percentile_fee(&fees, 0), 0);
    }

    #[test]
    fn compute_unit_limits_add_margin_and_cap() {
        assert_eq!(compute_unit_limit(1_000, 20, 1_000), 2_200);
        assert_eq!(compute_unit_limit(0, 20, 0), 0);
        assert_eq!(compute_unit_limit(1_300_000, 20, 0), MAX_COMPUTE_UNIT_LIMIT);
        assert_eq!(
            compute_unit_limit(u64::MAX, u32::MAX, u32::MAX),
            MAX_COMPUTE_UNIT_LIMIT
        );
    }
}
