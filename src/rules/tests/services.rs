//! R5: service statuses, categories, tariffs, seq and add-ons, clause by clause.

use super::*;

fn services_of(items: Vec<Item>) -> Decision {
    let mut a = base();
    a.items = items;
    decide_one(&a)
}

fn svc(d: &Decision, id: i64) -> &ServiceDecision {
    d.services.iter().find(|s| s.legacy_item_id == id).unwrap()
}

#[test]
fn r5_1_status_mapping() {
    let table = [
        (Some(1), "migrated", Some(ServiceStatus::Pending)),
        (Some(2), "migrated", Some(ServiceStatus::Active)),
        (Some(3), "migrated", Some(ServiceStatus::Suspended)),
        (Some(5), "migrated", Some(ServiceStatus::Pending)),
        (Some(4), "deleted", None),
        (Some(0), "unknown_status", None),
        (Some(6), "unknown_status", None),
        (None, "unknown_status", None),
    ];
    for (status, outcome, new_status) in table {
        let d = services_of(vec![item(1, 101, Some("vhost"), status, None)]);
        assert_eq!(
            (svc(&d, 1).outcome.code(), svc(&d, 1).status),
            (outcome, new_status),
            "{status:?}"
        );
    }
}

#[test]
fn r5_1_deleted_is_judged_before_the_tariff() {
    let d = services_of(vec![
        item(1, 901, Some("vhost"), Some(4), None),
        item(2, 950, None, Some(4), None),
    ]);
    assert_eq!(svc(&d, 1).outcome, ServiceOutcome::Deleted);
    assert_eq!(svc(&d, 2).outcome, ServiceOutcome::Deleted);
    assert!(d.reason_codes().is_empty(), "only unmapped_tariff warns");
}

#[test]
fn r5_2_category_and_priority_from_item_type() {
    let table = [
        (101, "vhost", "hosting", 1),
        (201, "domain", "domain", 2),
        (301, "certificate", "ssl", 3),
        (401, "vds", "vps", 4),
        (501, "dedic", "dedicated", 5),
        (502, "colocation", "dedicated", 5),
        (601, "soft", "license", 6),
        (602, "softexternal", "license", 6),
        (701, "dnshost", "other", 7),
        (703, "backup", "other", 7),
    ];
    for (pricelist, intname, category, priority) in table {
        let d = services_of(vec![item(1, pricelist, Some(intname), Some(2), None)]);
        let s = svc(&d, 1);
        assert_eq!(
            (s.category.as_deref(), s.priority),
            (Some(category), Some(priority)),
            "{intname}"
        );
    }
}

#[test]
fn r5_3_unmapped_tariff_or_missing_rows_warn() {
    let d = services_of(vec![
        item(1, 901, Some("vhost"), Some(2), None), // tariff not in tariffs.csv
        item(2, 950, None, Some(2), None),          // pricelist row missing
        item(3, 903, None, Some(2), None),          // itemtype row missing
        item(4, 101, Some("vhost"), Some(2), None),
    ]);
    for id in 1..=3 {
        assert_eq!(
            svc(&d, id).outcome,
            ServiceOutcome::UnmappedTariff,
            "item {id}"
        );
        assert_eq!(svc(&d, id).seq, None);
    }
    assert_eq!(svc(&d, 4).seq, Some(1));
    assert!(d.migrates());
    assert_eq!(d.reason_codes(), ["service_not_migrated"]);
}

#[test]
fn r5_4_seq_follows_priority_then_item_id() {
    let d = services_of(vec![
        item(50, 601, Some("soft"), Some(2), None),
        item(40, 201, Some("domain"), Some(2), None),
        item(30, 101, Some("vhost"), Some(2), None),
        item(20, 701, Some("dnshost"), Some(2), None),
        item(10, 201, Some("domain"), Some(2), None),
        item(5, 401, Some("vds"), Some(4), None),
    ]);
    let order: Vec<_> = d
        .migrating_services()
        .iter()
        .map(|s| (s.seq.unwrap(), s.legacy_item_id))
        .collect();
    assert_eq!(order, [(1, 30), (2, 10), (3, 40), (4, 50), (5, 20)]);
}

#[test]
fn r5_5_add_ons_follow_their_top_service() {
    let d = services_of(vec![
        item(1, 101, Some("vhost"), Some(2), None),
        item(2, 801, Some("ip"), Some(2), Some(1)), // add-on of hosting
        item(3, 802, Some("storage"), Some(3), Some(2)), // add-on of an add-on
        item(4, 401, Some("vds"), Some(4), None),   // deleted VPS
        item(5, 801, Some("ip"), Some(2), Some(4)), // add-on of a deleted parent
        item(6, 801, Some("ip"), Some(2), Some(999)), // parent missing / other account
        item(7, 801, Some("ip"), Some(2), Some(7)), // its own parent
        item(8, 801, Some("ip"), Some(2), Some(9)), // 2-cycle
        item(9, 801, Some("ip"), Some(2), Some(8)),
        item(10, 801, Some("ip"), Some(4), Some(1)), // deleted add-on
        item(11, 901, Some("vhost"), Some(2), Some(1)), // add-on with unmapped tariff
        item(12, 201, Some("domain"), Some(2), None),
    ]);
    let s2 = svc(&d, 2);
    assert_eq!(
        (s2.category.as_deref(), s2.priority, s2.parent),
        (Some("hosting"), Some(1), Some(1))
    );
    assert_eq!(s2.product_code.as_deref(), Some("addon-ipv4"));
    assert_eq!(svc(&d, 3).category.as_deref(), Some("hosting"));
    assert_eq!(svc(&d, 3).status, Some(ServiceStatus::Suspended));
    for id in [5, 6, 7, 8, 9] {
        assert_eq!(
            svc(&d, id).outcome,
            ServiceOutcome::ParentNotMigrated,
            "item {id}"
        );
    }
    assert_eq!(svc(&d, 10).outcome, ServiceOutcome::Deleted);
    assert_eq!(svc(&d, 11).outcome, ServiceOutcome::UnmappedTariff);
    let order: Vec<_> = d
        .migrating_services()
        .iter()
        .map(|s| s.legacy_item_id)
        .collect();
    assert_eq!(order, [1, 2, 3, 12]);
    assert_eq!(d.reason_codes(), ["service_not_migrated"]);
}

#[test]
fn r5_5_deep_add_on_chains_resolve_without_recursion() {
    // 20,000 add-ons, each under the previous one: all follow the hosting service.
    let mut items = vec![item(1, 101, Some("vhost"), Some(2), None)];
    items.extend((2..=20_000).map(|id| item(id, 801, Some("ip"), Some(2), Some(id - 1))));
    let d = services_of(items);
    assert_eq!(d.migrating_services().len(), 20_000);
    assert!(
        d.services
            .iter()
            .all(|s| s.category.as_deref() == Some("hosting"))
    );
    // And a long chain that ends in a cycle moves nothing of it.
    let mut items: Vec<Item> = (1..=5_000)
        .map(|id| item(id, 801, Some("ip"), Some(2), Some(id + 1)))
        .collect();
    items.push(item(5_001, 801, Some("ip"), Some(2), Some(4_000)));
    let d = services_of(items);
    assert!(
        d.services
            .iter()
            .all(|s| s.outcome == ServiceOutcome::ParentNotMigrated)
    );
}
