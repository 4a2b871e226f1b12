// Every merchant is unique by merchant_id.
CREATE CONSTRAINT merchant_key IF NOT EXISTS
FOR (m:Merchant) REQUIRE m.merchant_id IS UNIQUE
