//! Which primary-key ranges hold a chunk's rows of a child table, or that there are none
//! worth reading that way. InnoDB answers "the rows of these accounts" through the account
//! index with one primary-key lookup per row; the same rows read as a stretch of the
//! primary key cost MariaDB a sixth of the CPU (docs/performance.md). Pure: the ids in, the
//! ranges out.

/// Range counts the reader has a statement for; fewer ranges are padded to the next one.
pub const SLOTS: [usize; 3] = [1, 8, 64];

/// A descent of the primary key costs about as much as reading this many rows along it.
const DESCENT: i128 = 4;

/// A row read through the account index costs about this many rows read along the primary
/// key: the index entry, then a descent of the primary key (measured, docs/performance.md).
const BY_OWNER_ROW: i128 = 6;

/// How to read a chunk's rows of one child table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The chunk has no rows in this table.
    Nothing,
    /// Inclusive primary-key ranges, ascending and apart, at most `SLOTS`' largest.
    Ranges(Vec<(i64, i64)>),
    /// Too scattered: read through the account index as before.
    ByOwner,
}

/// Plans the read of the rows whose primary keys are `ids` (any order; sorted in place).
pub fn plan(ids: &mut [i64]) -> Access {
    ids.sort_unstable();
    let Some((&first, rest)) = ids.split_first() else {
        return Access::Nothing;
    };
    let mut ranges = vec![(first, first)];
    for &id in rest {
        let last = ranges.last_mut().expect("one range at least");
        // Reading the other accounts' rows in a gap costs less than another descent.
        if (id as i128) - (last.1 as i128) <= DESCENT {
            last.1 = id;
        } else {
            ranges.push((id, id));
        }
    }
    let ranges = at_most(ranges, SLOTS[SLOTS.len() - 1]);
    let by_key: i128 = ranges
        .iter()
        .map(|&(lo, hi)| hi as i128 - lo as i128 + 1 + DESCENT)
        .sum();
    // By key only when it is clearly cheaper: the costs are estimates.
    if 2 * by_key <= BY_OWNER_ROW * ids.len() as i128 {
        Access::Ranges(ranges)
    } else {
        Access::ByOwner
    }
}

/// The statement size for `n` ranges: the smallest slot count that holds them.
pub fn slots_for(n: usize) -> usize {
    SLOTS
        .into_iter()
        .find(|&s| s >= n)
        .unwrap_or(SLOTS[SLOTS.len() - 1])
}

/// Joins neighbouring ranges across the smallest gaps until `max` remain.
fn at_most(ranges: Vec<(i64, i64)>, max: usize) -> Vec<(i64, i64)> {
    if ranges.len() <= max {
        return ranges;
    }
    // The widest gaps stay; ties keep the earlier gap, so the result is deterministic.
    let mut gaps: Vec<(i128, usize)> = ranges
        .windows(2)
        .enumerate()
        .map(|(i, w)| (w[1].0 as i128 - w[0].1 as i128, i))
        .collect();
    gaps.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<usize> = gaps[..max - 1].iter().map(|&(_, i)| i).collect();
    kept.sort_unstable();
    let mut joined = Vec::with_capacity(max);
    let mut start = 0;
    for end in kept.into_iter().chain([ranges.len() - 1]) {
        joined.push((ranges[start].0, ranges[end].1));
        start = end + 1;
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() {
        let run = |ids: &[i64]| plan(&mut ids.to_vec());
        let cases: &[(&[i64], Access)] = &[
            (&[], Access::Nothing),
            // One row costs the same either way: the account index, as before.
            (&[7], Access::ByOwner),
            (&[3, 1, 2], Access::Ranges(vec![(1, 3)])),
            (&[5, 5, 6], Access::Ranges(vec![(5, 6)])),
            // Other accounts' rows in small gaps are read and dropped…
            (&[10, 12, 14, 16, 18, 20], Access::Ranges(vec![(10, 20)])),
            // …larger gaps split the ranges, which stay worth it while each is dense…
            (
                &[1, 2, 3, 4, 5, 6, 1000, 1001, 1002, 1003],
                Access::Ranges(vec![(1, 6), (1000, 1003)]),
            ),
            // …and scattered rows go through the account index.
            (&[1, 100, 10_000], Access::ByOwner),
            (&[1, 9, 17, 25, 33, 41], Access::ByOwner),
            (&[1, 2, 40], Access::ByOwner),
            (
                &[
                    i64::MIN,
                    i64::MIN + 1,
                    i64::MIN + 2,
                    i64::MAX - 2,
                    i64::MAX - 1,
                    i64::MAX,
                ],
                Access::Ranges(vec![(i64::MIN, i64::MIN + 2), (i64::MAX - 2, i64::MAX)]),
            ),
        ];
        for (ids, want) in cases {
            assert_eq!(&run(ids), want, "ids {ids:?}");
        }
    }

    #[test]
    fn more_ranges_than_slots_join_across_the_smallest_gaps() {
        // 100 single ids 100 apart, but ids 1000 apart after every tenth: ten groups.
        let ids: Vec<i64> = (0..100).map(|i| i * 100 + (i / 10) * 1000).collect();
        let Access::ByOwner = plan(&mut ids.clone()) else {
            panic!("100 ids over 19,000 is too spread to read by key");
        };
        let joined = at_most(ids.iter().map(|&i| (i, i)).collect(), 10);
        assert_eq!(joined.len(), 10);
        for (g, &(lo, hi)) in joined.iter().enumerate() {
            let g = g as i64;
            assert_eq!((lo, hi), (g * 2000, g * 2000 + 900), "group {g}");
        }
        // Dense runs, more of them than slots: the last ranges join into one.
        let mut runs: Vec<i64> = (0..100).flat_map(|r| r * 40..r * 40 + 10).collect();
        let Access::Ranges(ranges) = plan(&mut runs.clone()) else {
            panic!("ten ids in every forty are dense enough");
        };
        assert_eq!(ranges.len(), 64);
        assert_eq!((ranges[0], ranges[63]), ((0, 9), (63 * 40, 99 * 40 + 9)));
        assert!(
            runs.iter()
                .all(|id| ranges.iter().any(|&(lo, hi)| lo <= *id && *id <= hi))
        );
        // Two in every forty are not.
        runs = (0..100).flat_map(|r| [r * 40, r * 40 + 1]).collect();
        assert_eq!(plan(&mut runs), Access::ByOwner);
    }

    #[test]
    fn every_id_is_inside_a_range() {
        let mut ids: Vec<i64> = (0..5000).map(|i| (i * 7919) % 100_003).collect();
        if let Access::Ranges(ranges) = plan(&mut ids.clone()) {
            for id in &ids {
                assert!(
                    ranges.iter().any(|&(lo, hi)| lo <= *id && *id <= hi),
                    "{id}"
                );
            }
        }
        ids.truncate(300);
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        let ranges = at_most(sorted.iter().map(|&i| (i, i)).collect(), 64);
        assert_eq!(ranges.len(), 64);
        for id in &ids {
            assert!(
                ranges.iter().any(|&(lo, hi)| lo <= *id && *id <= hi),
                "{id}"
            );
        }
        assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0));
    }

    #[test]
    fn slots() {
        let cases = [(0, 1), (1, 1), (2, 8), (8, 8), (9, 64), (64, 64)];
        for (n, want) in cases {
            assert_eq!(slots_for(n), want, "{n} ranges");
        }
    }
}
