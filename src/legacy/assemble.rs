//! Legacy rows, as the driver returns them, into the model: decoding every value (see
//! `decode`), attaching child rows to their account by binary search, picking the domain,
//! sorting, and recording damage. Pure — no connection — so the fuzz target
//! (`billmigrate::fuzzing`) drives exactly the code the reader runs.

use foldhash::{HashMap, HashMapExt};

use mysql_async::Value;

use super::decode::{date, datetime, flag, int, iso_code, money, text, text_or_empty};
use super::integrity::{self, KnownDuplicates};
use super::model::{ClientUser, Damage, Item, LegacyAccount, Profile, Subaccount};

/// The rows of one chunk's child tables, columns in the reader's query order.
#[derive(Debug, Default, Clone)]
pub struct RawChildren {
    pub users: Vec<Vec<Value>>,
    pub profiles: Vec<Vec<Value>>,
    pub subaccounts: Vec<Vec<Value>>,
    /// Item rows: account, id, pricelist id, …, cost, currency id.
    pub items: Vec<Vec<Value>>,
    /// (pricelist id, `itemtype.intname`) of every pricelist.
    pub pricelist_types: Vec<Vec<Value>>,
    /// (currency id, iso) of every currency.
    pub currencies: Vec<Vec<Value>>,
    /// (item id, value) of `itemparam` rows named `domain`.
    pub domains: Vec<Vec<Value>>,
}

/// A row's values in query order; a short row reads as trailing NULLs.
fn columns(row: Vec<Value>) -> impl FnMut() -> Value {
    let mut values = row.into_iter();
    move || values.next().unwrap_or(Value::NULL)
}

/// `account` rows (id, name, registration_date, project), in id order, into accounts;
/// repeated ids fold into one damaged account.
pub fn accounts(rows: Vec<Vec<Value>>) -> Vec<LegacyAccount> {
    let mut accounts: Vec<LegacyAccount> = rows
        .into_iter()
        .map(|row| {
            let mut next = columns(row);
            LegacyAccount {
                id: int(next()).unwrap_or_default(),
                name: text_or_empty(next()),
                registration_date: datetime(next()),
                project: int(next()),
                ..LegacyAccount::default()
            }
        })
        .collect();
    // The query orders by id; sorting again (stable) keeps any other caller honest.
    accounts.sort_by_key(|a| a.id);
    integrity::fold_repeated_accounts(&mut accounts);
    accounts
}

/// `(id, value)` rows of a small reference table, every value of each id: a repeated id
/// doubles the item rows that name it, as the left join in SQL did, so the account is held
/// for the repeated item id (`duplicate_legacy_id`) until a person picks the real row.
fn lookup(rows: Vec<Vec<Value>>) -> HashMap<i64, Vec<Value>> {
    let mut table: HashMap<i64, Vec<Value>> = HashMap::with_capacity(rows.len());
    for row in rows {
        let mut next = columns(row);
        if let Some(id) = int(next()) {
            table.entry(id).or_default().push(next());
        }
    }
    table
}

/// Attaches child rows to `accounts` (sorted by id); rows of other accounts are ignored.
pub fn attach(accounts: &mut [LegacyAccount], raw: RawChildren, known: &KnownDuplicates) {
    let slot = |accounts: &[LegacyAccount], id: Option<i64>| {
        id.and_then(|id| accounts.binary_search_by_key(&id, |a| a.id).ok())
    };

    // Each row goes straight to its account, decoded in place: a chunk-sized vector of
    // decoded rows in between was fresh memory on every chunk (docs/performance.md).
    for row in raw.users {
        let mut next = columns(row);
        let account = int(next());
        let user = ClientUser {
            id: int(next()).unwrap_or_default(),
            login: text_or_empty(next()),
            email: text(next()),
            realname: text(next()),
            language: text(next()),
            enabled: flag(next()),
            superuser: flag(next()),
            createdate: datetime(next()),
        };
        if let Some(i) = slot(accounts, account) {
            accounts[i].users.push(user);
        }
    }

    for row in raw.profiles {
        let mut next = columns(row);
        let account = int(next());
        let mut profile = Profile {
            id: int(next()).unwrap_or_default(),
            name: text_or_empty(next()),
            person: text(next()),
            profiletype: int(next()),
            email: text(next()),
            phone: text(next()),
            country: text(next()),
            postcode: text(next()),
            city: text(next()),
            address: text(next()),
            vatnum: text(next()),
            vatpayer: flag(next()),
            createdate: datetime(next()),
            nomigrate: flag(next()),
        };
        let physical = [text(next()), text(next()), text(next()), text(next())];
        choose_address(&mut profile, physical);
        if let Some(i) = slot(accounts, account) {
            accounts[i].profiles.push(profile);
        }
    }

    for row in raw.subaccounts {
        let mut next = columns(row);
        let account = int(next());
        let id = int(next()).unwrap_or_default();
        let currency_id = int(next());
        let currency = iso_code(next());
        let balance = money(next());
        let Some(i) = slot(accounts, account) else {
            continue;
        };
        if balance.is_err() {
            accounts[i].damage.push(Damage::UnreadableAmount {
                table: "subaccount",
                id,
            });
        }
        accounts[i].subaccounts.push(Subaccount {
            id,
            currency_id,
            currency,
            // A NULL balance holds no money.
            balance: balance.unwrap_or_default().unwrap_or_default(),
        });
    }

    // What the left joins on `pricelist`/`itemtype` and `currency` gave per item row.
    let itemtype_of = lookup(raw.pricelist_types);
    let iso_of = lookup(raw.currencies);
    // Left-join semantics: no row (or no id) gives one NULL.
    const NONE: &[Value] = &[Value::NULL];
    fn matches(table: &HashMap<i64, Vec<Value>>, id: Option<i64>) -> &[Value] {
        id.and_then(|id| table.get(&id)).map_or(NONE, Vec::as_slice)
    }
    let mut item_slots: Vec<(i64, usize, usize)> = Vec::with_capacity(raw.items.len());
    for row in raw.items {
        let mut next = columns(row);
        let account = int(next());
        let mut unreadable = false;
        let id = int(next()).unwrap_or_default();
        let pricelist = int(next());
        let item = Item {
            id,
            pricelist,
            itemtype: None,
            parent: int(next()),
            status: int(next()),
            name: text_or_empty(next()),
            opendate: datetime(next()),
            expiredate: date(next()),
            // BILLmanager marks a trial with period -100; no period is a month count
            // below 1, so every such value moves as "no period" (docs/decisions.md).
            period: int(next()).filter(|&months| months > 0),
            // NULL is "no auto-renewal" in BILLmanager's API: the same as 0.
            autoprolong: Some(int(next()).unwrap_or(0)),
            cost: money(next())
                .inspect_err(|_| unreadable = true)
                .unwrap_or_default()
                .unwrap_or_default(),
            currency: None,
            domain: None,
        };
        let currencies = matches(&iso_of, int(next()));
        let types = matches(&itemtype_of, pricelist);
        let Some(i) = slot(accounts, account) else {
            continue;
        };
        // One item per pair, as the joins gave rows: one pair unless a row repeats. The
        // decoded item is cloned only for the extra pairs; the last one takes it.
        let pairs = types
            .iter()
            .flat_map(|t| currencies.iter().map(move |c| (t, c)));
        let copies = std::iter::repeat_n(item, types.len() * currencies.len());
        for ((itemtype, currency), item) in pairs.zip(copies) {
            if unreadable {
                accounts[i]
                    .damage
                    .push(Damage::UnreadableAmount { table: "item", id });
            }
            item_slots.push((id, i, accounts[i].items.len()));
            accounts[i].items.push(Item {
                itemtype: text(itemtype.clone()),
                currency: iso_code(currency.clone()),
                ..item
            });
        }
    }
    item_slots.sort_unstable();

    let domains = raw.domains.into_iter().map(|row| {
        let mut next = columns(row);
        (int(next()), text(next()))
    });
    for (item, value) in domains {
        let (Some(item), Some(value)) = (item, value) else {
            continue;
        };
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        let Ok(pos) = item_slots.binary_search_by_key(&item, |&(id, ..)| id) else {
            continue;
        };
        let (_, account, index) = item_slots[pos];
        let it = &mut accounts[account].items[index];
        // R5.6: when an item has several domains, the smallest value.
        if it.domain.as_ref().is_none_or(|d| value < *d) {
            it.domain = Some(value);
        }
    }

    for account in accounts.iter_mut() {
        account.users.sort_by_key(|u| u.id);
        account.profiles.sort_by_key(|p| p.id);
        account.subaccounts.sort_by_key(|s| s.id);
        account.items.sort_by_key(|i| i.id);
        integrity::mark_duplicates(account, known);
    }
}

/// The payer's address (docs/decisions.md): BILLmanager keeps a company's in the `*_legal`
/// columns and an individual's in `*_physical`. The legal set is used when any of its four
/// values is filled (not blank), else the physical set when any of it is filled; when
/// neither is, the legal set as it is, so a database without physical columns reads as
/// before.
pub fn choose_address(profile: &mut Profile, physical: [Option<String>; 4]) {
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let legal = [
        &profile.country,
        &profile.postcode,
        &profile.city,
        &profile.address,
    ];
    if legal.into_iter().any(filled) || !physical.iter().any(filled) {
        return;
    }
    let [country, postcode, city, address] = physical;
    profile.country = country;
    profile.postcode = postcode;
    profile.city = city;
    profile.address = address;
}

#[cfg(test)]
#[path = "assemble_tests.rs"]
mod tests;
