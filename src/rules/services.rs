//! R5: which services and add-ons move, in which category and priority, with which product
//! code, and the `seq` that numbers them within the client.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

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

/// Where an item stands once judged.
#[derive(Clone)]
enum Resolution {
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
    fn product(&self, item: &Item) -> Option<String> {
        item.pricelist
            .and_then(|p| self.mappings.product_code(p))
            .map(str::to_owned)
    }

    /// A main service: its own item type and tariff.
    fn main_service(&self, item: &Item) -> Resolution {
        match (&item.itemtype, self.product(item)) {
            (Some(intname), Some(product_code)) => {
                let category = self.mappings.category(intname);
                Resolution::Moves {
                    category: category.name.clone(),
                    priority: category.priority,
                    product_code,
                }
            }
            _ => Resolution::Stays(ServiceOutcome::UnmappedTariff),
        }
    }

    /// An add-on (whose own status is fine) under a parent resolved as `parent`.
    fn add_on(&self, item: &Item, parent: &Resolution) -> Resolution {
        match (parent, self.product(item)) {
            (
                Resolution::Moves {
                    category, priority, ..
                },
                Some(product_code),
            ) => Resolution::Moves {
                category: category.clone(),
                priority: *priority,
                product_code,
            },
            (Resolution::Moves { .. }, None) => Resolution::Stays(ServiceOutcome::UnmappedTariff),
            (Resolution::Stays(_), _) => Resolution::Stays(ServiceOutcome::ParentNotMigrated),
        }
    }

    /// Judges `start` by walking up its parent chain without recursion (hostile data has
    /// chains thousands deep): status first, then the parent, then the item's own tariff.
    fn resolve(&mut self, start: i64) -> Resolution {
        let mut path: Vec<i64> = Vec::new();
        let mut on_path: HashSet<i64> = HashSet::new();
        let mut current = start;
        // The resolution the last item on `path` takes as its parent's.
        let base = loop {
            if let Some(known) = self.done.get(&current) {
                break known.clone();
            }
            if !on_path.insert(current) {
                // A cycle: no member of it, nor anything hanging below it, can move.
                break Resolution::Stays(ServiceOutcome::ParentNotMigrated);
            }
            let item = self.items[&current];
            if let Err(outcome) = map_status(item.status) {
                let own = Resolution::Stays(outcome);
                self.done.insert(current, own.clone());
                break own;
            }
            match item.parent {
                None => {
                    let own = self.main_service(item);
                    self.done.insert(current, own.clone());
                    break own;
                }
                Some(parent) if !self.items.contains_key(&parent) => {
                    path.push(current);
                    break Resolution::Stays(ServiceOutcome::ParentNotMigrated);
                }
                Some(parent) => {
                    path.push(current);
                    current = parent;
                }
            }
        };
        let mut parent = base;
        for id in path.into_iter().rev() {
            let own = self.add_on(self.items[&id], &parent);
            self.done.insert(id, own.clone());
            parent = own;
        }
        self.done.get(&start).cloned().unwrap_or(parent)
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
