-- The plain indexes a real legacy database has on every column the tool joins on.
-- Kept apart from schema.sql so bulk loads build them once, after the data is in.
CREATE INDEX user_account ON `user` (account);
CREATE INDEX profile_account ON profile (account);
CREATE INDEX subaccount_account ON subaccount (account);
CREATE INDEX subaccount_currency ON subaccount (currency);
CREATE INDEX item_account ON item (account);
CREATE INDEX item_parent ON item (parent);
CREATE INDEX item_pricelist ON item (pricelist);
CREATE INDEX pricelist_itemtype ON pricelist (itemtype);
CREATE INDEX itemparam_item ON itemparam (item);
CREATE INDEX account2project_affiliatereferer ON account2project (affiliatereferer);
CREATE INDEX affiliatereward_account ON affiliatereward (account);
CREATE INDEX affiliatereward_referral ON affiliatereward (referral);
CREATE INDEX expense_subaccount ON expense (subaccount);
CREATE INDEX expense_item ON expense (item);
CREATE INDEX payment_subaccount ON payment (subaccount);
