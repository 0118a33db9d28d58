//! R1 (the primary user who becomes the owner) and R2 (every other client user: an
//! invitation or a reason why not).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::email;
use super::reasons::{Hold, UserOutcome, Warning};
use crate::legacy::model::ClientUser;
use crate::mappings::Mappings;

/// How much a user may do in the new billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    InvoicesOnly,
    Full,
}

/// The R1 primary user of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Primary {
    pub legacy_user_id: i64,
    /// Normalised email; `None` when invalid (the account is then held).
    pub email: Option<String>,
    pub createdate: Option<NaiveDateTime>,
    /// No known `createdate`: the choice fell to the lowest id.
    pub chosen_by_id: bool,
    /// How many users were candidates (active with full access).
    pub candidates: usize,
}

/// The outcome of one client user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDecision {
    pub legacy_user_id: i64,
    /// The normalised email when valid, else the raw value trimmed.
    pub email: String,
    pub outcome: UserOutcome,
    /// Set for the owner and for invitations.
    pub access: Option<Access>,
    /// For `merged_duplicate`: the user whose invitation covers this one.
    pub merged_into: Option<i64>,
}

/// Result of R1 + R2 for one account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsersDecision {
    pub primary: Option<Primary>,
    /// Every client user, by legacy id.
    pub users: Vec<UserDecision>,
    pub holds: Vec<Hold>,
    pub warnings: Vec<Warning>,
}

/// R1's order: undated before dated, then by date, then by lower id.
fn creation_order(a: &ClientUser, b: &ClientUser) -> Ordering {
    let key = |u: &ClientUser| (u.createdate.is_some(), u.createdate, u.id);
    key(a).cmp(&key(b))
}

/// Applies R1 and R2 to an account's client users.
pub fn decide_users(users: &[ClientUser]) -> UsersDecision {
    let mut out = UsersDecision::default();
    let candidates: Vec<&ClientUser> = users.iter().filter(|u| u.enabled && u.superuser).collect();
    let chosen = candidates
        .iter()
        .copied()
        .min_by(|a, b| creation_order(a, b));

    let primary = chosen.map(|u| Primary {
        legacy_user_id: u.id,
        email: email::normalize(u.email.as_deref()),
        createdate: u.createdate,
        chosen_by_id: u.createdate.is_none(),
        candidates: candidates.len(),
    });
    match &primary {
        None => out.holds.push(Hold::NoActiveFullAccessUser),
        Some(p) => {
            if p.email.is_none() {
                out.holds.push(Hold::PrimaryEmailInvalid);
            }
            if p.chosen_by_id {
                out.warnings.push(Warning::PrimaryChosenById);
            }
        }
    }
    let owner_email = primary.as_ref().and_then(|p| p.email.clone());

    // Invite-stage users grouped by email, to merge duplicates afterwards.
    let mut invitees: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut sorted: Vec<&ClientUser> = users.iter().collect();
    sorted.sort_by_key(|u| u.id);
    for user in sorted {
        let normalized = email::normalize(user.email.as_deref());
        let shown = normalized
            .clone()
            .unwrap_or_else(|| user.email.as_deref().unwrap_or("").trim().to_owned());
        let access = if user.superuser {
            Access::Full
        } else {
            Access::InvoicesOnly
        };
        // The very row chosen, not its id: a damaged table may repeat an id (held anyway,
        // but the report must still show one owner).
        let (outcome, access) = if chosen.is_some_and(|c| std::ptr::eq(c, user)) {
            (UserOutcome::Owner, Some(Access::Full))
        } else if !user.enabled {
            (UserOutcome::Disabled, None)
        } else if normalized.is_none() {
            out.warnings.push(Warning::UserEmailInvalid);
            (UserOutcome::InvalidEmail, None)
        } else if normalized == owner_email {
            (UserOutcome::SameAsOwner, None)
        } else {
            invitees
                .entry(shown.clone())
                .or_default()
                .push(out.users.len());
            let outcome = match access {
                Access::Full => UserOutcome::InviteFull,
                Access::InvoicesOnly => UserOutcome::InviteInvoices,
            };
            (outcome, Some(access))
        };
        out.users.push(UserDecision {
            legacy_user_id: user.id,
            email: shown,
            outcome,
            access,
            merged_into: None,
        });
    }

    for group in invitees.values().filter(|g| g.len() > 1) {
        out.warnings.push(Warning::DuplicateUserEmail);
        let widest = group.iter().filter_map(|&i| out.users[i].access).max();
        // Indexes follow user id order, so the first with the widest access has the lowest id.
        let keeper = *group
            .iter()
            .find(|&&i| out.users[i].access == widest)
            .expect("a group has members");
        let keeper_id = out.users[keeper].legacy_user_id;
        for &i in group.iter().filter(|&&i| i != keeper) {
            let user = &mut out.users[i];
            user.outcome = UserOutcome::MergedDuplicate;
            user.access = None;
            user.merged_into = Some(keeper_id);
        }
    }
    out.primary = primary;
    out.warnings.sort();
    out.warnings.dedup();
    out
}

/// `;`-joined permission names of an access level.
pub fn permissions_of(mappings: &Mappings, access: Option<Access>) -> String {
    match access {
        Some(Access::Full) => mappings.full_permissions.join(";"),
        Some(Access::InvoicesOnly) => mappings.invoices_only_permissions.join(";"),
        None => String::new(),
    }
}
