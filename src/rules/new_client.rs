//! What a migrating account becomes in the new billing, decided once: the client, its owner,
//! invitations, payer, opening balance and services, each with every value that is written.
//! The writer and verify's expected side only transpose this; nothing downstream looks the
//! legacy rows up again or redoes a rule (email normalisation, languages, defaults).

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::payer::{PayerDecision, PayerKind};
use super::reasons::Hold;
use super::services::{ServiceDecision, ServiceStatus};
use super::users::{Access, Primary, UserDecision};
use super::{Language, RulesContext, email, language_of};
use crate::legacy::model::{Item, LegacyAccount};

/// One migrating legacy account as the new billing will hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClient {
    pub legacy_account_id: i64,
    pub name: String,
    /// R4.2.
    pub currency: String,
    /// Wall-clock time in `legacy.timezone`.
    pub registered_at: Option<NaiveDateTime>,
    pub owner: NewOwner,
    /// R2, in legacy user id order.
    pub invitations: Vec<NewInvitation>,
    /// R3: the payer that moves, if any.
    pub payer: Option<NewPayer>,
    /// R4.3–4.4: the one `opening_balance` entry, when the total is not 0.00.
    pub opening_balance: Option<Decimal>,
    /// R5: every service that moves (all categories), in `seq` order.
    pub services: Vec<NewService>,
}

/// R1.5: the owner user, identified by email.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOwner {
    pub legacy_user_id: i64,
    /// Trimmed and lower-cased.
    pub email: String,
    /// The legacy `realname`, when it says anything.
    pub name: Option<String>,
    /// R7.3.
    pub language: Language,
}

/// R2: one invitation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvitation {
    pub legacy_user_id: i64,
    pub email: String,
    pub access: Access,
    /// R7.3: the invited user's own language, else the default.
    pub language: Language,
}

/// R3: the payer row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayer {
    pub legacy_profile_id: i64,
    pub kind: PayerKind,
    pub name: String,
    pub person: Option<String>,
    /// Contact data, stored trimmed and lower-cased even when not a valid login address.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub vat_number: Option<String>,
    /// R3.6: carried over; VAT invoices stay off for every client.
    pub vat_payer: bool,
}

/// R5: one service that moves.
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    pub legacy_item_id: i64,
    /// An add-on's (moving) parent.
    pub legacy_parent_id: Option<i64>,
    pub category: String,
    pub priority: i16,
    pub seq: i32,
    pub product_code: String,
    pub label: String,
    pub domain: Option<String>,
    pub status: ServiceStatus,
    /// Wall-clock time in `legacy.timezone`.
    pub opened_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDate>,
    pub period_months: Option<i64>,
    pub auto_renew_months: Option<i64>,
    pub price: Decimal,
    pub currency: Option<String>,
}

/// The parts of a decision a migrating account is built from.
pub(super) struct Decided<'a> {
    pub primary: Option<&'a Primary>,
    pub owner_language: Option<Language>,
    pub users: &'a [UserDecision],
    pub payer: &'a PayerDecision,
    pub currency: Option<&'a str>,
    pub opening: Decimal,
    pub services: &'a [ServiceDecision],
}

/// What `account` writes, or the hold that stops it when something a migrating account
/// needs is missing. The other rules hold such an account already; the types say it again
/// so the writer never has to.
pub(super) fn build(
    account: &LegacyAccount,
    d: Decided<'_>,
    ctx: &RulesContext<'_>,
) -> Result<NewClient, Hold> {
    let primary = d.primary.ok_or(Hold::NoActiveFullAccessUser)?;
    let owner_user = account
        .users
        .iter()
        .find(|u| u.id == primary.legacy_user_id);
    let owner = NewOwner {
        legacy_user_id: primary.legacy_user_id,
        email: primary.email.clone().ok_or(Hold::PrimaryEmailInvalid)?,
        name: owner_user
            .and_then(|u| u.realname.clone())
            .filter(|n| !n.trim().is_empty()),
        language: d.owner_language.unwrap_or(ctx.default_language),
    };
    let invitations = d
        .users
        .iter()
        .filter_map(|u| {
            let access = u.access?;
            let invited = matches!(
                u.outcome,
                super::UserOutcome::InviteFull | super::UserOutcome::InviteInvoices
            );
            let raw = account.users.iter().find(|x| x.id == u.legacy_user_id);
            invited.then(|| NewInvitation {
                legacy_user_id: u.legacy_user_id,
                email: u.email.clone(),
                access,
                language: language_of(
                    raw.and_then(|x| x.language.as_deref()),
                    ctx.default_language,
                ),
            })
        })
        .collect();
    let payer = match (d.payer.moving, d.payer.kind) {
        (Some(id), Some(kind)) => account
            .profiles
            .iter()
            .find(|p| p.id == id)
            .map(|p| NewPayer {
                legacy_profile_id: id,
                kind,
                name: p.name.clone(),
                person: p.person.clone(),
                email: contact_email(p.email.as_deref()),
                phone: p.phone.clone(),
                country: p.country.clone(),
                postcode: p.postcode.clone(),
                city: p.city.clone(),
                address: p.address.clone(),
                vat_number: p.vatnum.clone(),
                vat_payer: p.vatpayer,
            }),
        _ => None,
    };
    let mut moving: Vec<&ServiceDecision> = d.services.iter().filter(|s| s.seq.is_some()).collect();
    moving.sort_by_key(|s| s.seq);
    let services = moving
        .into_iter()
        .filter_map(|s| new_service(s, item_of(account, s.legacy_item_id)?))
        .collect();
    Ok(NewClient {
        legacy_account_id: account.id,
        name: account.name.clone(),
        currency: d.currency.ok_or(Hold::NoRateForCurrency)?.to_owned(),
        registered_at: account.registration_date,
        owner,
        invitations,
        payer,
        opening_balance: (!d.opening.is_zero()).then_some(d.opening),
        services,
    })
}

/// Payer emails are contact data: stored trimmed and lower-cased whether or not they are a
/// valid login address; an empty one is no email.
pub fn contact_email(raw: Option<&str>) -> Option<String> {
    email::normalize(raw)
        .or_else(|| raw.map(|e| e.trim().to_lowercase()))
        .filter(|e| !e.is_empty())
}

fn item_of(account: &LegacyAccount, id: i64) -> Option<&Item> {
    // Items are sorted by id (the reader and the model promise it): a binary search, not a
    // scan per service — accounts with 20,000 services exist.
    match account.items.binary_search_by_key(&id, |i| i.id) {
        Ok(at) => Some(&account.items[at]),
        // Unsorted items (hand-built in a test): still correct, just slower.
        Err(_) => account.items.iter().find(|i| i.id == id),
    }
}

fn new_service(s: &ServiceDecision, item: &Item) -> Option<NewService> {
    Some(NewService {
        legacy_item_id: item.id,
        legacy_parent_id: s.parent,
        category: s.category.clone()?,
        priority: s.priority?,
        seq: s.seq?,
        product_code: s.product_code.clone()?,
        label: item.name.clone(),
        domain: item.domain.clone(),
        status: s.status?,
        opened_at: item.opendate,
        expires_at: item.expiredate,
        period_months: item.period,
        auto_renew_months: item.autoprolong,
        price: item.cost,
        currency: item.currency.clone(),
    })
}
