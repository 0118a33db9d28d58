-- Legacy billing schema (BILLmanager-style), for fixtures, tests, demos and benchmarks.
-- Mirrors ../shared/spec/legacy-schema.md. No foreign keys: the real database has none,
-- and orphans must be representable. Secondary indexes live in indexes.sql so that bulk
-- loads can build them after the data is in.

CREATE TABLE account (
  id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL DEFAULT '',
  registration_date DATETIME NULL,
  project INT NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `user` (
  id BIGINT NOT NULL PRIMARY KEY,
  account BIGINT NULL,
  level INT NOT NULL DEFAULT 16,
  name VARCHAR(255) NOT NULL DEFAULT '',
  email VARCHAR(255) NULL,
  realname VARCHAR(255) NULL,
  language VARCHAR(8) NULL,
  enabled ENUM('on','off') NULL,
  superuser ENUM('on','off') NULL,
  createdate DATETIME NULL,
  password VARCHAR(255) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE profile (
  id BIGINT NOT NULL PRIMARY KEY,
  account BIGINT NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  person VARCHAR(255) NULL,
  profiletype TINYINT NULL,
  email VARCHAR(255) NULL,
  phone VARCHAR(64) NULL,
  country_legal VARCHAR(255) NULL,
  postcode_legal VARCHAR(64) NULL,
  city_legal VARCHAR(255) NULL,
  address_legal VARCHAR(1024) NULL,
  vatnum VARCHAR(64) NULL,
  vatpayer ENUM('on','off') NULL,
  createdate DATETIME NULL,
  nomigrate ENUM('on','off') NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE currency (
  id INT NOT NULL PRIMARY KEY,
  iso CHAR(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE subaccount (
  id BIGINT NOT NULL PRIMARY KEY,
  account BIGINT NULL,
  currency INT NULL,
  balance DECIMAL(20,2) NOT NULL DEFAULT 0.00
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE itemtype (
  id INT NOT NULL PRIMARY KEY,
  intname VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE pricelist (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL DEFAULT '',
  itemtype INT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE item (
  id BIGINT NOT NULL PRIMARY KEY,
  account BIGINT NULL,
  pricelist INT NULL,
  parent BIGINT NULL,
  status TINYINT NULL,
  name VARCHAR(255) NOT NULL DEFAULT '',
  createdate DATETIME NULL,
  opendate DATETIME NULL,
  expiredate DATE NULL,
  period INT NULL,
  autoprolong INT NULL,
  cost DECIMAL(20,2) NOT NULL DEFAULT 0.00,
  currency INT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE itemparam (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  item BIGINT NOT NULL,
  intname VARCHAR(64) NOT NULL,
  value VARCHAR(1024) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE account2project (
  account BIGINT NOT NULL,
  project INT NOT NULL,
  affiliate INT NULL,
  affiliatereferer BIGINT NULL,
  PRIMARY KEY (account, project)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE affiliate (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL DEFAULT '',
  reward DECIMAL(5,2) NOT NULL DEFAULT 0.00
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE affiliatereward (
  id BIGINT NOT NULL PRIMARY KEY,
  account BIGINT NULL,
  referral BIGINT NULL,
  amount DECIMAL(20,2) NOT NULL DEFAULT 0.00,
  cdate DATETIME NULL,
  paid ENUM('on','off') NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE expense (
  id BIGINT NOT NULL PRIMARY KEY,
  subaccount BIGINT NULL,
  item BIGINT NULL,
  amount DECIMAL(20,2) NOT NULL DEFAULT 0.00,
  cdate DATETIME NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE payment (
  id BIGINT NOT NULL PRIMARY KEY,
  subaccount BIGINT NULL,
  amount DECIMAL(20,2) NOT NULL DEFAULT 0.00,
  paydate DATETIME NULL,
  status TINYINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
