//! The reason codes of rules.md, in the order its list gives them. Reports, `explain` and
//! `migration.accounts.reasons` use these strings verbatim; the enums' declaration order is
//! the report order, so sorting a `Vec` of them sorts it as rules.md wants.

use std::fmt;

macro_rules! reason_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every code, in rules.md's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as reports spell it.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

reason_enum!(
    /// Why nothing of an account is written.
    Hold {
        NoActiveFullAccessUser => "no_active_full_access_user",
        PrimaryEmailInvalid => "primary_email_invalid",
        InvalidPayerType => "invalid_payer_type",
        NoRateForCurrency => "no_rate_for_currency",
        // Not in rules.md: damage the legacy data shows (docs/decisions.md).
        DuplicateLegacyId => "duplicate_legacy_id",
        UnreadableAmount => "unreadable_amount",
        AmountOutOfRange => "amount_out_of_range",
    }
);

reason_enum!(
    /// Something a migrated account's owner or support should know.
    Warning {
        PrimaryChosenById => "primary_chosen_by_id",
        UserEmailInvalid => "user_email_invalid",
        DuplicateUserEmail => "duplicate_user_email",
        NoPayer => "no_payer",
        NegativeBalance => "negative_balance",
        ServiceNotMigrated => "service_not_migrated",
    }
);

reason_enum!(
    /// What happens to one client user (R1, R2).
    UserOutcome {
        Owner => "owner",
        InviteFull => "invite_full",
        InviteInvoices => "invite_invoices",
        Disabled => "disabled",
        InvalidEmail => "invalid_email",
        SameAsOwner => "same_as_owner",
        MergedDuplicate => "merged_duplicate",
    }
);

reason_enum!(
    /// What happens to one payer profile (R3).
    PayerOutcome {
        Migrated => "migrated",
        NotLastPayer => "not_last_payer",
        MarkedDoNotMigrate => "marked_do_not_migrate",
    }
);

reason_enum!(
    /// What happens to one service (R5).
    ServiceOutcome {
        Migrated => "migrated",
        Deleted => "deleted",
        UnknownStatus => "unknown_status",
        UnmappedTariff => "unmapped_tariff",
        ParentNotMigrated => "parent_not_migrated",
    }
);

reason_enum!(
    /// What happens to one partner or referral (R6).
    PartnerOutcome {
        Migrated => "migrated",
        PartnerNotMigrated => "partner_not_migrated",
        ReferralNotMigrated => "referral_not_migrated",
        NoRateForCurrency => "no_rate_for_currency",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_lists_follow_rules_md_order() {
        let holds: Vec<_> = Hold::ALL.iter().map(|h| h.code()).collect();
        assert_eq!(
            holds,
            [
                "no_active_full_access_user",
                "primary_email_invalid",
                "invalid_payer_type",
                "no_rate_for_currency",
                "duplicate_legacy_id",
                "unreadable_amount",
                "amount_out_of_range"
            ]
        );
        let mut shuffled = vec![
            Warning::ServiceNotMigrated,
            Warning::PrimaryChosenById,
            Warning::NoPayer,
        ];
        shuffled.sort();
        assert_eq!(
            shuffled,
            [
                Warning::PrimaryChosenById,
                Warning::NoPayer,
                Warning::ServiceNotMigrated
            ]
        );
    }
}
