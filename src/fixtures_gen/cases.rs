//! The awkward cases a fixture contains, how often, and the showcase accounts.
//!
//! Owns the generation context ([`Ctx`]: seed, account count, anchor date), the per-chunk RNG,
//! the list of awkward cases ([`Force`]) and the showcase: account ids 2..=42 each get exactly
//! one forced case (and nothing else awkward), so that every case appears at least once in any
//! dataset of 45 or more accounts whatever the seed. All other accounts draw their cases at
//! random with the rates written next to each `chance` call (see docs/fixtures.md).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Accounts per chunk: the unit of parallel generation and of one load transaction.
/// Changing it changes the generated data (each chunk has its own RNG stream).
pub const CHUNK_ACCOUNTS: u64 = 2000;

/// What every generator needs to know about the run.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub seed: u64,
    /// Number of real accounts (ids 1..=accounts).
    pub accounts: u64,
    /// Midnight of `--today`: nothing is generated after it.
    pub now: NaiveDateTime,
    /// First day of `--today`'s month, 00:00.
    pub month_start: NaiveDateTime,
    /// The earliest registration date.
    pub epoch: NaiveDateTime,
}

impl Ctx {
    pub fn new(seed: u64, accounts: u64, today: NaiveDate) -> Ctx {
        let now = today.and_hms_opt(0, 0, 0).expect("midnight exists");
        let month_start = today
            .with_day(1)
            .expect("day 1 exists")
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let epoch = NaiveDate::from_ymd_opt(2008, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let epoch = epoch.min(now - Duration::days(3650));
        Ctx {
            seed,
            accounts,
            now,
            month_start,
            epoch,
        }
    }

    pub fn chunks(&self) -> u64 {
        self.accounts.div_ceil(CHUNK_ACCOUNTS)
    }

    /// The RNG of one chunk: the seed's ChaCha8 key, one stream per chunk.
    pub fn chunk_rng(&self, chunk: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(chunk);
        rng
    }

    /// A uniformly random time in `[from, to]` (whole seconds); `from` when the range is empty.
    pub fn between<R: Rng>(
        &self,
        rng: &mut R,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> NaiveDateTime {
        let secs = (to - from).num_seconds();
        if secs <= 0 {
            from
        } else {
            from + Duration::seconds(rng.random_range(0..=secs))
        }
    }

    /// First day (00:00) of the month `back` months before `--today`'s month.
    pub fn month_back(&self, back: u32) -> NaiveDateTime {
        let d = self.month_start.date();
        let total = d.year() * 12 + d.month0() as i32 - back as i32;
        NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
            .expect("first of month exists")
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }
}

/// One awkward case, forced onto a showcase account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Force {
    ZeroDates,
    NullDates,
    OnlyUserDisabled,
    OwnerNotFullAccess,
    NoUser,
    ExtraUsers,
    StaffUser,
    OwnerEmailInvalid,
    OwnerEmailPadded,
    UserEmailsInvalid,
    DuplicateEmails,
    SameAsOwner,
    SharedOwnerEmail,
    UndatedPrimary,
    Nomigrate,
    AllNomigrate,
    NoProfile,
    ProfileType0,
    ProfileType7,
    ProfileTypeNull,
    SeveralPayers,
    MultiCurrency,
    UsdMain,
    NegativeBalance,
    RubNonZero,
    RubZero,
    MissingCurrency,
    NoSubaccount,
    AllStatuses,
    AddOns,
    AddonMissingParent,
    AddonCrossParent,
    AddonCycle,
    Unmapped,
    Orphans,
    Partner,
    Referred,
    RefererNotPartner,
    Project2,
    AwkwardName,
}

/// Showcase: account id `i + 2` gets `SHOWCASE[i]`. Account 1 is an ordinary account.
pub const SHOWCASE: [Force; 41] = [
    Force::ZeroDates,
    Force::NullDates,
    Force::OnlyUserDisabled,
    Force::OwnerNotFullAccess,
    Force::NoUser,
    Force::ExtraUsers,
    Force::StaffUser,
    Force::OwnerEmailInvalid,
    Force::OwnerEmailPadded,
    Force::UserEmailsInvalid,
    Force::DuplicateEmails,
    Force::SameAsOwner,
    Force::SharedOwnerEmail,
    Force::SharedOwnerEmail,
    Force::UndatedPrimary,
    Force::Nomigrate,
    Force::AllNomigrate,
    Force::NoProfile,
    Force::ProfileType0,
    Force::ProfileType7,
    Force::ProfileTypeNull,
    Force::SeveralPayers,
    Force::MultiCurrency,
    Force::UsdMain,
    Force::NegativeBalance,
    Force::RubNonZero,
    Force::RubZero,
    Force::MissingCurrency,
    Force::NoSubaccount,
    Force::AllStatuses,
    Force::AddOns,
    Force::AddonMissingParent,
    Force::AddonCrossParent,
    Force::AddonCycle,
    Force::Unmapped,
    Force::Orphans,
    Force::Partner,
    Force::Referred,
    Force::RefererNotPartner,
    Force::Project2,
    Force::AwkwardName,
];

/// The showcase accounts that are partners (their referrals are the `Referred` showcase).
pub const SHOWCASE_PARTNER: i64 = showcase_id(Force::Partner);

const fn showcase_id(f: Force) -> i64 {
    let mut i = 0;
    while i < SHOWCASE.len() {
        if SHOWCASE[i] as u8 == f as u8 {
            return i as i64 + 2;
        }
        i += 1;
    }
    panic!("case not in the showcase")
}

/// The forced case of an account, if it is a showcase account.
pub fn forced(account_id: i64) -> Option<Force> {
    usize::try_from(account_id - 2)
        .ok()
        .and_then(|i| SHOWCASE.get(i).copied())
}

/// The case-drawing policy of one account.
#[derive(Clone, Copy, Debug)]
pub struct Cases {
    pub force: Option<Force>,
}

impl Cases {
    /// Whether the account has `case`: always for its forced case, never for another case of
    /// a showcase account, with probability `p` for every other account.
    pub fn chance<R: Rng>(&self, rng: &mut R, case: Force, p: f64) -> bool {
        match self.force {
            Some(f) => f == case,
            None => rng.random_bool(p),
        }
    }

    /// True for a showcase account forced to `case` (no RNG draw).
    pub fn is(&self, case: Force) -> bool {
        self.force == Some(case)
    }

    /// Random awkwardness is allowed (not a showcase account).
    pub fn random(&self) -> bool {
        self.force.is_none()
    }
}

/// SplitMix64: a fast, well-mixed pure function of (seed, x), for decisions that must be the
/// same whichever chunk asks (e.g. "is account 12345 a partner?").
pub fn mix(seed: u64, x: u64) -> u64 {
    let mut z = seed ^ x.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
