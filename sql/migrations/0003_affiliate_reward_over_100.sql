-- BILLmanager lets a partner program's reward exceed 100 % (ISPsystem's affiliate FAQ sets
-- 1000), so `reward_percent` holds up to 9999.99. The contract keeps the column's name;
-- widening a numeric keeps every stored value.
ALTER TABLE billing.affiliates ALTER COLUMN reward_percent TYPE numeric(6, 2);
