//! Legacy DATETIMEs are wall-clock times in `legacy.timezone`; the target stores instants.

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant a legacy wall-clock time means. An ambiguous time (the hour repeated when
/// clocks go back) takes the earlier instant; a time that never happened (the hour skipped
/// when clocks go forward) is read one hour later, as the legacy server would have shown it.
pub fn to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let resolved = zone.from_local_datetime(&local).earliest().or_else(|| {
        zone.from_local_datetime(&(local + TimeDelta::hours(1)))
            .earliest()
    });
    match resolved {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&local),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn kyiv_wall_clock_becomes_utc() {
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, 30, 0)
                .unwrap()
        };
        let kyiv: Tz = "Europe/Kyiv".parse().unwrap();
        assert_eq!(
            to_utc(at(2023, 1, 15, 12), kyiv).to_rfc3339(),
            "2023-01-15T10:30:00+00:00"
        );
        assert_eq!(
            to_utc(at(2023, 7, 15, 12), kyiv).to_rfc3339(),
            "2023-07-15T09:30:00+00:00"
        );
        // 2023-03-26 03:30 did not exist in Kyiv; 2023-10-29 03:30 happened twice.
        assert_eq!(
            to_utc(at(2023, 3, 26, 3), kyiv).to_rfc3339(),
            "2023-03-26T01:30:00+00:00"
        );
        assert_eq!(
            to_utc(at(2023, 10, 29, 3), kyiv).to_rfc3339(),
            "2023-10-29T00:30:00+00:00"
        );
        assert_eq!(
            to_utc(at(2023, 1, 15, 12), Tz::UTC).to_rfc3339(),
            "2023-01-15T12:30:00+00:00"
        );
    }
}
