// New-merchant checks filter by registration time.
CREATE INDEX merchant_registered IF NOT EXISTS
FOR (m:Merchant) ON (m.registered_at)
