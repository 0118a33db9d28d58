-- Turns a legacy database in legacy-schema.md's shape into real BILLmanager's shape holding
-- the same facts (docs/decisions.md, "Real BILLmanager databases"). Run after the data is
-- loaded: tests run it over every fixtures/*.sql dataset and expect byte-identical plan
-- reports and identical target rows, and `billmigrate-fixtures --shape billmanager` runs it
-- after a generated load. Character set and foreign keys stay as they were (emoji need
-- utf8mb4); fixtures/billmanager/ has a dataset with utf8 tables and enforced keys.

-- The partner program of an account is `affiliateprogram` in BILLmanager.
ALTER TABLE account2project CHANGE affiliate affiliateprogram INT NULL;

-- Site columns come from etc/sql/*.addon, which creates VARCHAR(255); BILLmanager 4 kept
-- `superuser` as the integer 1. BINARY: only exactly 'on' was ever on.
ALTER TABLE `user` ADD COLUMN superuser_bm4 INT NULL;
UPDATE `user` SET superuser_bm4 = IF(BINARY superuser = 'on', 1, 0) WHERE superuser IS NOT NULL;
ALTER TABLE `user` DROP COLUMN superuser;
ALTER TABLE `user` CHANGE superuser_bm4 superuser INT NULL;
ALTER TABLE `user` MODIFY createdate VARCHAR(255) NULL;
ALTER TABLE profile MODIFY nomigrate VARCHAR(255) NULL, MODIFY createdate VARCHAR(255) NULL;

-- No auto-renewal is NULL in BILLmanager.
UPDATE item SET autoprolong = NULL WHERE autoprolong = 0;

-- An individual's address lives in the *_physical columns.
ALTER TABLE profile
  ADD COLUMN country_physical VARCHAR(255) NULL,
  ADD COLUMN postcode_physical VARCHAR(64) NULL,
  ADD COLUMN city_physical VARCHAR(255) NULL,
  ADD COLUMN address_physical VARCHAR(1024) NULL;
UPDATE profile
  SET country_physical = country_legal, postcode_physical = postcode_legal,
      city_physical = city_legal, address_physical = address_legal,
      country_legal = NULL, postcode_legal = NULL, city_legal = NULL, address_legal = NULL
  WHERE profiletype = 1
    AND (TRIM(country_legal) <> '' OR TRIM(postcode_legal) <> '' OR TRIM(city_legal) <> ''
         OR TRIM(address_legal) <> '');

-- Countries are ids of the `country` table, whose iso2 holds the code. Every distinct text
-- (byte for byte) gets a row, so reading iso2 back gives the very same text.
CREATE TABLE country (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  iso2 VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  name VARCHAR(255) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO country (iso2)
  SELECT DISTINCT CAST(v AS BINARY) FROM (
    SELECT country_legal AS v FROM profile WHERE country_legal IS NOT NULL
    UNION ALL SELECT country_physical FROM profile WHERE country_physical IS NOT NULL) t;
ALTER TABLE profile ADD COLUMN country_legal_id INT NULL, ADD COLUMN country_physical_id INT NULL;
UPDATE profile p SET
  country_legal_id = (SELECT c.id FROM country c
                      WHERE CAST(c.iso2 AS BINARY) = CAST(p.country_legal AS BINARY)),
  country_physical_id = (SELECT c.id FROM country c
                         WHERE CAST(c.iso2 AS BINARY) = CAST(p.country_physical AS BINARY));
ALTER TABLE profile DROP COLUMN country_legal, DROP COLUMN country_physical;
ALTER TABLE profile
  CHANGE country_legal_id country_legal INT NULL,
  CHANGE country_physical_id country_physical INT NULL;

-- A reward may exceed 100 %.
ALTER TABLE affiliate MODIFY reward DECIMAL(10,2) NOT NULL DEFAULT 0.00;

-- Payments: the amount in the payment method's currency, the creation date.
ALTER TABLE payment
  CHANGE amount paymethodamount DECIMAL(20,2) NOT NULL DEFAULT 0.00,
  CHANGE paydate createdate DATETIME NULL;
