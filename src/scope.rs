//! Which legacy accounts a command works on: `--accounts 1-5000,7001` (inclusive ranges) or
//! `--account-file FILE` (one id a line), or every account. Normalised to sorted, merged
//! ranges so readers can walk them with keyset pagination.

use std::path::Path;

/// A set of legacy account ids.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Scope {
    All,
    /// Sorted, non-overlapping, non-adjacent inclusive ranges.
    Ranges(Vec<(i64, i64)>),
}

impl Scope {
    /// Parses `1-5000,7001,9000-9100`.
    pub fn parse_ranges(spec: &str) -> Result<Scope, String> {
        let mut ranges = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (lo, hi) = match part.split_once('-') {
                Some((lo, hi)) => (parse_id(lo)?, parse_id(hi)?),
                None => {
                    let id = parse_id(part)?;
                    (id, id)
                }
            };
            if lo > hi {
                return Err(format!("range {part:?} runs backwards"));
            }
            ranges.push((lo, hi));
        }
        if ranges.is_empty() {
            return Err("no account ids given".into());
        }
        Ok(Scope::from_ranges(ranges))
    }

    /// Reads one id a line; blank lines and `#` comments are skipped.
    pub fn read_file(path: &Path) -> Result<Scope, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut ranges = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let id = parse_id(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
            ranges.push((id, id));
        }
        if ranges.is_empty() {
            return Err(format!("{}: no account ids", path.display()));
        }
        Ok(Scope::from_ranges(ranges))
    }

    fn from_ranges(mut ranges: Vec<(i64, i64)>) -> Scope {
        ranges.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Scope::Ranges(merged)
    }

    /// The ranges to walk; `All` is one range over every id.
    pub fn ranges(&self) -> Vec<(i64, i64)> {
        match self {
            Scope::All => vec![(i64::MIN, i64::MAX)],
            Scope::Ranges(r) => r.clone(),
        }
    }

    pub fn contains(&self, id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Ranges(r) => r
                .binary_search_by(|&(lo, hi)| {
                    if hi < id {
                        std::cmp::Ordering::Less
                    } else if lo > id {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .is_ok(),
        }
    }
}

fn parse_id(raw: &str) -> Result<i64, String> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| format!("{raw:?} is not an account id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_sorted_and_merged() {
        let scope = Scope::parse_ranges("10-20, 1-5,6, 15-30,100").unwrap();
        assert_eq!(scope, Scope::Ranges(vec![(1, 6), (10, 30), (100, 100)]));
        assert!(scope.contains(6) && scope.contains(25) && scope.contains(100));
        assert!(!scope.contains(7) && !scope.contains(31) && !scope.contains(101));
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(
            Scope::parse_ranges("5-1")
                .unwrap_err()
                .contains("backwards")
        );
        assert!(
            Scope::parse_ranges("a-b")
                .unwrap_err()
                .contains("not an account id")
        );
        assert!(Scope::parse_ranges(" , ").is_err());
    }

    #[test]
    fn account_file_skips_blanks_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.txt");
        std::fs::write(&path, "# batch 1\n3\n\n1\n2 # dup ok\nx\n").unwrap();
        let err = Scope::read_file(&path).unwrap_err();
        assert!(err.ends_with(":6: \"x\" is not an account id"), "{err}");
        std::fs::write(&path, "3\n1\n2\n7\n").unwrap();
        assert_eq!(
            Scope::read_file(&path).unwrap(),
            Scope::Ranges(vec![(1, 3), (7, 7)])
        );
    }
}
