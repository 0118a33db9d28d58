-- Reference rows every legacy dataset shares: currencies, item types, tariffs, programs.
-- The tariff ids here are the ones mappings/tariffs.csv maps; ids 900+ are deliberately
-- left unmapped.
INSERT INTO currency (id, iso) VALUES (1, 'UAH'), (2, 'USD'), (3, 'EUR'), (4, 'RUB');

INSERT INTO itemtype (id, intname) VALUES
  (1, 'vhost'), (2, 'domain'), (3, 'certificate'), (4, 'vds'), (5, 'dedic'),
  (6, 'colocation'), (7, 'soft'), (8, 'softexternal'), (9, 'dnshost'), (10, 'storage'),
  (11, 'backup'), (12, 'ip');

INSERT INTO pricelist (id, name, itemtype) VALUES
  (101, 'Hosting Start', 1), (102, 'Hosting Pro', 1), (103, 'Hosting Business', 1),
  (201, 'Domain .com.ua', 2), (202, 'Domain .com', 2), (203, 'Domain .ua', 2),
  (301, 'SSL DV', 3), (302, 'SSL EV', 3),
  (401, 'VPS 1', 4), (402, 'VPS 2', 4), (403, 'VPS 4', 4),
  (501, 'Dedicated E3', 5), (502, 'Colocation 1U', 6),
  (601, 'cPanel licence', 7), (602, 'ISPmanager licence', 8),
  (701, 'DNS hosting', 9), (702, 'Cloud storage', 10), (703, 'Backup 100 GB', 11),
  (801, 'Extra IPv4', 12), (802, 'Extra disk 50 GB', 10),
  (901, 'Legacy hosting 2009 (unmapped)', 1), (902, 'Promo VPS (unmapped)', 4),
  (903, 'Tariff with missing item type', 99);

INSERT INTO affiliate (id, name, reward) VALUES (1, 'Partner program 10%', 10.00),
  (2, 'Partner program 15%', 15.00);
