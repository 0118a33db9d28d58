//! The operator's mapping files (cli.md "Mappings"): item types → category and priority,
//! tariffs → product codes, currency rates, permission sets. Loaded and checked once at
//! start-up; any defect stops the command before work starts, naming the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt};

use rust_decimal::Decimal;
use serde::Deserialize;

/// The service categories rules.md R5 knows.
pub const CATEGORIES: &[&str] = &[
    "hosting",
    "domain",
    "ssl",
    "vps",
    "dedicated",
    "license",
    "other",
];

/// `CATEGORIES` as a set, built once (the fingerprint's check digests take it per account).
pub fn every_category() -> &'static BTreeSet<String> {
    static ALL: std::sync::LazyLock<BTreeSet<String>> =
        std::sync::LazyLock::new(|| CATEGORIES.iter().map(|c| c.to_string()).collect());
    &ALL
}

/// A defect in a mapping file. Always fatal: exit 2. Like configuration errors, each message
/// says the cause once (no `source`) and what to change.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error(
        "no folder {dir:?} {where_}; run billmigrate where that folder is, or set \
         mappings.dir in billmigrate.toml or BILLMIGRATE_MAPPINGS to its full path"
    )]
    MissingDir { dir: PathBuf, where_: String },
    #[error(
        "{file}: cannot read ({error}); mappings.dir must hold {}",
        FILES.join(", ")
    )]
    Read {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: PathBuf,
        line: u64,
        message: String,
    },
}

/// The files every mappings folder holds.
const FILES: &[&str] = &[
    "service_types.csv",
    "tariffs.csv",
    "currency_rates.csv",
    "permissions.csv",
];

/// A category and its migration priority (1 goes first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub priority: i16,
}

/// Everything in `mappings.dir`.
#[derive(Debug, Clone)]
pub struct Mappings {
    service_types: HashMap<String, Category>,
    default_category: Category,
    tariffs: HashMap<i64, String>,
    /// Keyed by the two codes' bytes, so a lookup allocates nothing.
    rates: HashMap<[u8; 6], Decimal>,
    /// Sorted permission names of the `full` set.
    pub full_permissions: Vec<String>,
    /// Sorted permission names of the `invoices_only` set.
    pub invoices_only_permissions: Vec<String>,
}

impl Mappings {
    /// Category for an `itemtype.intname`, falling back to the `*` row.
    pub fn category(&self, intname: &str) -> &Category {
        self.service_types
            .get(intname)
            .unwrap_or(&self.default_category)
    }

    /// The new product code of a legacy tariff, when it is mapped.
    pub fn product_code(&self, pricelist_id: i64) -> Option<&str> {
        self.tariffs.get(&pricelist_id).map(String::as_str)
    }

    /// The direct rate `1 from = rate to`; the identity for one currency.
    pub fn rate(&self, from: &str, to: &str) -> Option<Decimal> {
        if from == to {
            return Some(Decimal::ONE);
        }
        self.rates.get(&rate_key(from, to)?).copied()
    }

    /// Loads and validates the four files of `dir`.
    pub fn load(dir: &Path) -> Result<Mappings, MappingError> {
        if !dir.is_dir() {
            // The default `mappings` is relative: run from elsewhere, it is simply not there.
            let where_ = if dir.is_relative() {
                let cwd = std::env::current_dir().unwrap_or_default();
                format!("in the working directory {}", cwd.display())
            } else {
                "on this machine".to_owned()
            };
            return Err(MappingError::MissingDir {
                dir: dir.to_owned(),
                where_,
            });
        }
        let types_file = dir.join("service_types.csv");
        let mut service_types = HashMap::new();
        let mut default_category = None;
        for (line, row) in read_rows::<ServiceTypeRow>(&types_file)? {
            let bad = |message: String| invalid(&types_file, line, message);
            let intname = row.intname.trim().to_owned();
            if intname.is_empty() {
                return Err(bad("empty intname".into()));
            }
            if !CATEGORIES.contains(&row.category.trim()) {
                return Err(bad(format!(
                    "unknown category {:?} (expected one of {})",
                    row.category,
                    CATEGORIES.join(", ")
                )));
            }
            if row.priority < 1 {
                return Err(bad(format!(
                    "priority must be at least 1, got {}",
                    row.priority
                )));
            }
            let category = Category {
                name: row.category.trim().to_owned(),
                priority: row.priority,
            };
            if intname == "*" {
                if default_category.replace(category).is_some() {
                    return Err(bad("duplicate intname \"*\"".into()));
                }
            } else if service_types.insert(intname.clone(), category).is_some() {
                return Err(bad(format!("duplicate intname {intname:?}")));
            }
        }
        let default_category = default_category
            .ok_or_else(|| invalid(&types_file, 1, "no default row with intname \"*\"".into()))?;

        let tariffs_file = dir.join("tariffs.csv");
        let mut tariffs = HashMap::new();
        for (line, row) in read_rows::<TariffRow>(&tariffs_file)? {
            let code = row.product_code.trim().to_owned();
            if code.is_empty() {
                return Err(invalid(&tariffs_file, line, "empty product_code".into()));
            }
            if tariffs.insert(row.pricelist_id, code).is_some() {
                let message = format!("duplicate pricelist_id {}", row.pricelist_id);
                return Err(invalid(&tariffs_file, line, message));
            }
        }

        let rates_file = dir.join("currency_rates.csv");
        let mut rates = HashMap::new();
        for (line, row) in read_rows::<RateRow>(&rates_file)? {
            let bad = |message: String| invalid(&rates_file, line, message);
            let (from, to) = (iso_code(&row.from), iso_code(&row.to));
            let (Some(from), Some(to)) = (from, to) else {
                return Err(bad(format!(
                    "currency codes must be 3 letters, got {:?} → {:?}",
                    row.from, row.to
                )));
            };
            if from == to {
                return Err(bad(format!("rate from {from} to itself")));
            }
            let rate: Decimal = row
                .rate
                .parse()
                .map_err(|_| bad(format!("rate {:?} is not a decimal number", row.rate)))?;
            if rate <= Decimal::ZERO {
                return Err(bad(format!("rate must be positive, got {rate}")));
            }
            let key = rate_key(&from, &to).expect("iso_code gives three letters");
            if rates.insert(key, rate).is_some() {
                return Err(bad(format!("duplicate rate {from} → {to}")));
            }
        }

        let permissions_file = dir.join("permissions.csv");
        let mut sets = BTreeMap::new();
        for (line, row) in read_rows::<PermissionRow>(&permissions_file)? {
            let bad = |message: String| invalid(&permissions_file, line, message);
            let name = row.set.trim().to_owned();
            if name != "full" && name != "invoices_only" {
                return Err(bad(format!(
                    "unknown set {name:?} (expected full or invoices_only)"
                )));
            }
            let mut names: Vec<String> = row
                .permissions
                .split(';')
                .map(|p| p.trim().to_owned())
                .collect();
            if names.iter().any(String::is_empty) {
                return Err(bad("empty permission name".into()));
            }
            names.sort();
            names.dedup();
            if sets.insert(name.clone(), names).is_some() {
                return Err(bad(format!("duplicate set {name:?}")));
            }
        }
        let mut take = |set: &str| {
            sets.remove(set)
                .ok_or_else(|| invalid(&permissions_file, 1, format!("missing the {set:?} set")))
        };
        let full_permissions = take("full")?;
        let invoices_only_permissions = take("invoices_only")?;

        Ok(Mappings {
            service_types,
            default_category,
            tariffs,
            rates,
            full_permissions,
            invoices_only_permissions,
        })
    }
}

#[derive(Deserialize)]
struct ServiceTypeRow {
    intname: String,
    category: String,
    priority: i16,
}

#[derive(Deserialize)]
struct TariffRow {
    pricelist_id: i64,
    product_code: String,
}

#[derive(Deserialize)]
struct RateRow {
    from: String,
    to: String,
    /// Read as text: serde would hand csv's numbers to Decimal through f64.
    rate: String,
}

#[derive(Deserialize)]
struct PermissionRow {
    set: String,
    permissions: String,
}

fn invalid(file: &Path, line: u64, message: String) -> MappingError {
    MappingError::Invalid {
        file: file.to_owned(),
        line,
        message,
    }
}

fn iso_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// Every data row with its 1-based line number in the file (the header is line 1).
fn read_rows<T: for<'de> Deserialize<'de>>(file: &Path) -> Result<Vec<(u64, T)>, MappingError> {
    let bytes = std::fs::read(file).map_err(|error| MappingError::Read {
        file: file.to_owned(),
        error,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|err| invalid(file, 1, csv_message(&err)))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| {
            let line = err.position().map_or(0, |p| p.line());
            invalid(file, line, csv_message(&err))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let row = record
            .deserialize(Some(&headers))
            .map_err(|err| invalid(file, line, csv_message(&err)))?;
        rows.push((line, row));
    }
    Ok(rows)
}

fn csv_message(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Deserialize { err, .. } => format!("malformed row: {err}"),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("malformed row: expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "malformed row: not UTF-8".into(),
        _ => format!("malformed row: {err}"),
    }
}

/// The key of a rate: both ISO codes' bytes (any other code has no rate).
fn rate_key(from: &str, to: &str) -> Option<[u8; 6]> {
    let (from, to) = (from.as_bytes(), to.as_bytes());
    if from.len() != 3 || to.len() != 3 {
        return None;
    }
    let mut key = [0; 6];
    key[..3].copy_from_slice(from);
    key[3..].copy_from_slice(to);
    Some(key)
}

#[cfg(test)]
#[path = "mappings_tests.rs"]
mod tests;
