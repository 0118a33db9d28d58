//! The legacy account ids verify has seen, kept as ranges of consecutive ids: the accounts
//! arrive in id order and mostly without gaps, so a million ids are a handful of ranges
//! instead of 8 MB that grew with the run (docs/performance.md).

/// A set of ids as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeenIds {
    ranges: Vec<(i64, i64)>,
}

impl SeenIds {
    /// Adds `id`; cheapest for ids in ascending order, correct for any.
    pub fn insert(&mut self, id: i64) {
        match self.ranges.last_mut() {
            Some(last) if last.1 < id => {
                if last.1.checked_add(1) == Some(id) {
                    last.1 = id;
                } else {
                    self.ranges.push((id, id));
                }
                return;
            }
            None => {
                self.ranges.push((id, id));
                return;
            }
            Some(_) => {}
        }
        // Out of order: the first range ending at or after `id`.
        let i = self.ranges.partition_point(|&(_, hi)| hi < id);
        let (lo, hi) = self.ranges[i];
        if lo <= id {
            return;
        }
        let joins_previous = i > 0 && self.ranges[i - 1].1.checked_add(1) == Some(id);
        let joins_next = id.checked_add(1) == Some(lo);
        match (joins_previous, joins_next) {
            (true, true) => {
                self.ranges[i - 1].1 = hi;
                self.ranges.remove(i);
            }
            (true, false) => self.ranges[i - 1].1 = id,
            (false, true) => self.ranges[i].0 = id,
            (false, false) => self.ranges.insert(i, (id, id)),
        }
    }

    pub fn extend(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            self.insert(id);
        }
    }

    pub fn contains(&self, id: i64) -> bool {
        let i = self.ranges.partition_point(|&(_, hi)| hi < id);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_membership() {
        type Case = (&'static [i64], &'static [(i64, i64)]);
        let cases: &[Case] = &[
            (&[], &[]),
            (&[5], &[(5, 5)]),
            (&[1, 2, 3, 7, 8, 10], &[(1, 3), (7, 8), (10, 10)]),
            (&[1, 2, 2, 3], &[(1, 3)]),
            // Out of order: joining both neighbours, one, or none.
            (&[1, 3, 2], &[(1, 3)]),
            (&[1, 5, 4], &[(1, 1), (4, 5)]),
            (&[1, 5, 2], &[(1, 2), (5, 5)]),
            (&[10, 20, 1], &[(1, 1), (10, 10), (20, 20)]),
            (
                &[i64::MAX, i64::MIN, i64::MAX - 1],
                &[(i64::MIN, i64::MIN), (i64::MAX - 1, i64::MAX)],
            ),
        ];
        for (ids, want) in cases {
            let mut seen = SeenIds::default();
            seen.extend(ids.iter().copied());
            assert_eq!(seen.ranges, *want, "ids {ids:?}");
            for probe in [i64::MIN, -1, 0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 20, i64::MAX] {
                assert_eq!(
                    seen.contains(probe),
                    ids.contains(&probe),
                    "{probe} after {ids:?}"
                );
            }
        }
    }

    #[test]
    fn shuffled_ids_agree_with_a_sorted_list_and_a_million_in_order_are_one_range() {
        let mut seen = SeenIds::default();
        let mut ids: Vec<i64> = (0..10_000).map(|i| (i * 7919) % 10_007).collect();
        seen.extend(ids.iter().copied());
        ids.sort_unstable();
        for probe in -5..10_020 {
            assert_eq!(
                seen.contains(probe),
                ids.binary_search(&probe).is_ok(),
                "{probe}"
            );
        }
        let mut dense = SeenIds::default();
        dense.extend(1..=1_000_000);
        assert_eq!(dense.ranges, [(1, 1_000_000)]);
    }
}
