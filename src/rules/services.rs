//! R5: which services and add-ons move, in which category and priority, with which product
//! code, and the `seq` that numbers them within the client.

use std::collections::HashMap;

use super::reasons::{ServiceOutcome, Warning};
use crate::legacy::model::Item;
use crate::mappings::Mappings;

/// The new billing's service statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceStatus {
    Active,
    Suspended,
    Pending,
}

impl ServiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Active => "active",
            ServiceStatus::Suspended => "suspended",
            ServiceStatus::Pending => "pending",
        }
    }
}

/// The decision for one `item` row.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecision {
    pub legacy_item_id: i64,
    /// The item's own `itemtype.intname`, when its tariff resolves to one.
    pub itemtype: Option<String>,
    pub outcome: ServiceOutcome,
    pub status: Option<ServiceStatus>,
    /// Category and priority: the top service's for a migrated add-on, else the item's own
    /// (when its tariff resolves to an item type).
    pub category: Option<String>,
    pub priority: Option<i16>,
    /// The mapped product code, when the item's tariff is mapped.
    pub product_code: Option<String>,
    /// For a migrated add-on: the legacy id of its (migrated) parent.
    pub parent: Option<i64>,
    /// 1.. within the client, in priority then item id order; set when migrated.
    pub seq: Option<i32>,
}

/// Result of R5 for one account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServicesDecision {
    /// Every item, by legacy id.
    pub services: Vec<ServiceDecision>,
    pub warnings: Vec<Warning>,
}

/// R5.1: legacy status → new status, or why the service does not move.
fn map_status(status: Option<i64>) -> Result<ServiceStatus, ServiceOutcome> {
    match status {
        Some(2) => Ok(ServiceStatus::Active),
        Some(3) => Ok(ServiceStatus::Suspended),
        Some(1 | 5) => Ok(ServiceStatus::Pending),
        Some(4) => Err(ServiceOutcome::Deleted),
        _ => Err(ServiceOutcome::UnknownStatus),
    }
}

/// Where an item stands while parents are being resolved.
#[derive(Clone)]
enum Resolution {
    Visiting,
    Moves {
        category: String,
        priority: i16,
        product_code: String,
    },
    Stays(ServiceOutcome),
}

struct Resolver<'a> {
    items: HashMap<i64, &'a Item>,
    mappings: &'a Mappings,
    done: HashMap<i64, Resolution>,
}

impl Resolver<'_> {
    fn resolve(&mut self, id: i64) -> Resolution {
        if let Some(r) = self.done.get(&id) {
            // A `Visiting` seen again is a cycle: no member of it can move.
            return match r {
                Resolution::Visiting => Resolution::Stays(ServiceOutcome::ParentNotMigrated),
                other => other.clone(),
            };
        }
        let item = self.items[&id];
        self.done.insert(id, Resolution::Visiting);
        let result = self.judge(item);
        self.done.insert(id, result.clone());
        result
    }

    fn judge(&mut self, item: &Item) -> Resolution {
        if let Err(outcome) = map_status(item.status) {
            return Resolution::Stays(outcome);
        }
        let product = item.pricelist.and_then(|p| self.mappings.product_code(p));
        let Some(parent) = item.parent else {
            return match (&item.itemtype, product) {
                (Some(intname), Some(code)) => {
                    let category = self.mappings.category(intname);
                    Resolution::Moves {
                        category: category.name.clone(),
                        priority: category.priority,
                        product_code: code.to_owned(),
                    }
                }
                _ => Resolution::Stays(ServiceOutcome::UnmappedTariff),
            };
        };
        if !self.items.contains_key(&parent) {
            return Resolution::Stays(ServiceOutcome::ParentNotMigrated);
        }
        match (self.resolve(parent), product) {
            (
                Resolution::Moves {
                    category, priority, ..
                },
                Some(code),
            ) => Resolution::Moves {
                category,
                priority,
                product_code: code.to_owned(),
            },
            (Resolution::Moves { .. }, None) => Resolution::Stays(ServiceOutcome::UnmappedTariff),
            _ => Resolution::Stays(ServiceOutcome::ParentNotMigrated),
        }
    }
}

/// Applies R5 to an account's items.
pub fn decide_services(items: &[Item], mappings: &Mappings) -> ServicesDecision {
    let mut resolver = Resolver {
        items: items.iter().map(|i| (i.id, i)).collect(),
        mappings,
        done: HashMap::with_capacity(items.len()),
    };
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by_key(|i| i.id);
    let mut out = ServicesDecision::default();
    for item in sorted {
        let mut decision = ServiceDecision {
            legacy_item_id: item.id,
            itemtype: item.itemtype.clone(),
            outcome: ServiceOutcome::Migrated,
            status: map_status(item.status).ok(),
            category: None,
            priority: None,
            product_code: None,
            parent: None,
            seq: None,
        };
        match resolver.resolve(item.id) {
            Resolution::Moves {
                category,
                priority,
                product_code,
            } => {
                decision.category = Some(category);
                decision.priority = Some(priority);
                decision.product_code = Some(product_code);
                decision.parent = item.parent;
            }
            Resolution::Stays(outcome) => {
                // Shown in reports so support can tell what kind of service stayed behind.
                if let Some(intname) = &item.itemtype {
                    let category = mappings.category(intname);
                    decision.category = Some(category.name.clone());
                    decision.priority = Some(category.priority);
                }
                decision.product_code = item
                    .pricelist
                    .and_then(|p| mappings.product_code(p))
                    .map(str::to_owned);
                decision.outcome = outcome;
                decision.status = None;
                if outcome == ServiceOutcome::UnmappedTariff {
                    out.warnings.push(Warning::ServiceNotMigrated);
                }
            }
            Resolution::Visiting => unreachable!("resolve never returns Visiting"),
        }
        out.services.push(decision);
    }
    out.warnings.dedup();

    let mut order: Vec<usize> = (0..out.services.len())
        .filter(|&i| out.services[i].outcome == ServiceOutcome::Migrated)
        .collect();
    order.sort_by_key(|&i| (out.services[i].priority, out.services[i].legacy_item_id));
    for (n, i) in order.into_iter().enumerate() {
        out.services[i].seq = Some(n as i32 + 1);
    }
    out
}
