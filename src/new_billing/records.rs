//! The new billing's rows as typed values, one per verify check, and their one text form.
//! verify builds them twice — from the rules' expectation and from what the target holds —
//! compares them as values, and formats both sides with the same `Display` code, so the
//! two can never disagree about spelling (time formats, NULLs, decimals).

use std::fmt;

use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;

use crate::legacy::chrono_text::{digits, plain_date};

/// How a missing value is spelled in reports and digests.
pub const NONE: &str = "∅";

/// A row's status as the target spells it: one we know, or whatever else is there (shown,
/// never a reason to stop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    Is(T),
    Other(String),
}

impl<T: AsStatus> Known<T> {
    pub fn parse(text: &str) -> Known<T> {
        T::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == text)
            .map_or_else(|| Known::Other(text.to_owned()), Known::Is)
    }
}

impl<T: AsStatus> fmt::Display for Known<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Known::Is(v) => f.write_str(v.as_str()),
            Known::Other(s) => f.write_str(s),
        }
    }
}

/// A status enum with a fixed spelling per value.
pub trait AsStatus: Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
}

impl AsStatus for crate::rules::ServiceStatus {
    const ALL: &'static [Self] = &[Self::Active, Self::Suspended, Self::Pending];
    fn as_str(self) -> &'static str {
        crate::rules::ServiceStatus::as_str(self)
    }
}

/// `migration.accounts.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Migrated,
    Held,
}

impl AsStatus for AccountStatus {
    const ALL: &'static [Self] = &[Self::Migrated, Self::Held];
    fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Migrated => "migrated",
            AccountStatus::Held => "held",
        }
    }
}

/// A `migration.accounts` row.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRecord {
    pub status: Known<AccountStatus>,
    pub categories: Vec<String>,
    pub fingerprint: Option<String>,
    pub migrated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    pub name: String,
    pub currency: String,
    pub registered_at: Option<DateTime<Utc>>,
    pub vat_invoices_enabled: bool,
}

/// The owner membership with its user's email.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRecord {
    pub email: String,
    pub permissions: Vec<String>,
    pub legacy_user_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvitationRecord {
    pub email: String,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PayerRecord {
    pub legacy_profile_id: i64,
    pub kind: String,
    pub name: String,
    pub person: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub vat_number: Option<String>,
    pub vat_payer: bool,
}

/// The `opening_balance` ledger entry.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceRecord {
    pub amount: Decimal,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRecord {
    /// The parent's legacy item id.
    pub parent_item: Option<i64>,
    pub category: String,
    pub priority: i16,
    pub seq: i32,
    pub product_code: String,
    pub label: String,
    pub domain: Option<String>,
    pub status: Known<crate::rules::ServiceStatus>,
    pub opened_at: Option<DateTime<Utc>>,
    pub expires_at: Option<NaiveDate>,
    pub period_months: Option<i32>,
    pub auto_renew_months: Option<i32>,
    pub price: Decimal,
    pub currency: Option<String>,
}

/// `∅` for a missing value.
struct Opt<'a, T>(&'a Option<T>);

impl<T: fmt::Display> fmt::Display for Opt<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => v.fmt(f),
            None => f.write_str(NONE),
        }
    }
}

/// Instants in UTC to the microsecond, PostgreSQL's precision.
struct Instant<'a>(&'a Option<DateTime<Utc>>);

/// `%Y-%m-%dT%H:%M:%S%.6f`, parsed once: `migrate` formats every service's dates for its
/// check digests, and parsing the pattern each time was a third of that.
const INSTANT: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Literal("T"),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
    Item::Fixed(Fixed::Nanosecond6),
];

impl fmt::Display for Instant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(t) = self.0 else {
            return f.write_str(NONE);
        };
        match digits_of(t) {
            Some(text) => f.pad(std::str::from_utf8(&text).expect("ASCII digits")),
            None => write!(f, "{}", t.format_with_items(INSTANT.iter())),
        }
    }
}

/// [`INSTANT`]'s text written digit by digit, for the instants it spells as 26 plain
/// digits and separators: years 0 to 9999 and no leap second (chrono formats those two
/// otherwise, so they take its path). chrono's formatting machinery was a tenth of what
/// `migrate` spends on the check digests, for this fixed-width text.
fn digits_of(t: &DateTime<Utc>) -> Option<[u8; 26]> {
    let time = t.time();
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut text = *b"0000-00-00T00:00:00.000000";
    text[..10].copy_from_slice(&plain_date(&t.date_naive())?);
    digits(&mut text[11..13], time.hour());
    digits(&mut text[14..16], time.minute());
    digits(&mut text[17..19], time.second());
    digits(&mut text[20..26], nanos / 1000);
    Some(text)
}

impl fmt::Display for ClientRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ClientRecord {
            name,
            currency,
            registered_at,
            vat_invoices_enabled,
        } = self;
        write!(
            f,
            "{name}|{currency}|{}|{vat_invoices_enabled}",
            Instant(registered_at)
        )
    }
}

impl fmt::Display for OwnerRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let OwnerRecord {
            email,
            permissions,
            legacy_user_id,
        } = self;
        write!(
            f,
            "{email}|{}|{}",
            permissions.join(";"),
            Opt(legacy_user_id)
        )
    }
}

impl fmt::Display for InvitationRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", self.email, self.permissions.join(";"))
    }
}

impl fmt::Display for PayerRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self;
        write!(
            f,
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            p.legacy_profile_id,
            p.kind,
            p.name,
            Opt(&p.person),
            Opt(&p.email),
            Opt(&p.phone),
            Opt(&p.country),
            Opt(&p.postcode),
            Opt(&p.city),
            Opt(&p.address),
            Opt(&p.vat_number),
            p.vat_payer
        )
    }
}

impl fmt::Display for BalanceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2} {}", self.amount, self.currency)
    }
}

impl fmt::Display for ServiceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self;
        write!(
            f,
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:.2}|{}",
            Opt(&s.parent_item),
            s.category,
            s.priority,
            s.seq,
            s.product_code,
            s.label,
            Opt(&s.domain),
            s.status,
            Instant(&s.opened_at),
            Opt(&s.expires_at),
            Opt(&s.period_months),
            Opt(&s.auto_renew_months),
            s.price,
            Opt(&s.currency)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_the_target_should_not_hold_is_kept_as_text() {
        assert_eq!(
            Known::<AccountStatus>::parse("held"),
            Known::Is(AccountStatus::Held)
        );
        let odd = Known::<AccountStatus>::parse("archived");
        assert_eq!(odd, Known::Other("archived".into()));
        assert_eq!(odd.to_string(), "archived");
    }

    #[test]
    fn missing_values_instants_and_money_have_one_spelling() {
        let t = DateTime::parse_from_rfc3339("2011-03-01T10:00:00.5Z")
            .unwrap()
            .to_utc();
        let client = ClientRecord {
            name: "Тест".into(),
            currency: "UAH".into(),
            registered_at: Some(t),
            vat_invoices_enabled: false,
        };
        assert_eq!(
            client.to_string(),
            "Тест|UAH|2011-03-01T10:00:00.500000|false"
        );
        let balance = BalanceRecord {
            amount: Decimal::new(5, 0),
            currency: "USD".into(),
        };
        assert_eq!(balance.to_string(), "5.00 USD");
        let owner = OwnerRecord {
            email: "a@b.ua".into(),
            permissions: vec!["x".into(), "y".into()],
            legacy_user_id: None,
        };
        assert_eq!(owner.to_string(), "a@b.ua|x;y|∅");
    }

    #[test]
    fn instants_spell_like_their_strftime_pattern() {
        // Digests stored by earlier versions hash this text: it must not change by a byte.
        for text in [
            "2011-03-01T10:00:00.5Z",
            "1999-12-31T23:59:59.999999Z",
            "2024-02-29T00:00:00Z",
            "0987-01-02T03:04:05.000007Z",
            "2026-11-15T12:30:45.123456789Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "1998-12-31T23:59:60.25Z",
        ] {
            let t = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
            assert_eq!(
                Instant(&Some(t)).to_string(),
                t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                "{text}"
            );
        }
        // Outside four-digit years chrono writes a sign; the digit path must step aside.
        for year in [-1, 10_000, -44] {
            let t = NaiveDate::from_ymd_opt(year, 3, 15)
                .unwrap()
                .and_hms_micro_opt(1, 2, 3, 4)
                .unwrap()
                .and_utc();
            assert_eq!(
                Instant(&Some(t)).to_string(),
                t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                "{year}"
            );
        }
        // And a sweep: every field through its whole range, at odd steps.
        let mut seconds = -62_167_219_200i64; // 0000-01-01T00:00:00Z
        while seconds < 253_402_300_800 {
            let t = DateTime::from_timestamp(seconds, (seconds.rem_euclid(1_000_003) * 997) as u32)
                .unwrap();
            assert_eq!(
                Instant(&Some(t)).to_string(),
                t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                "{seconds}"
            );
            seconds += 7_777_777;
        }
    }
}
