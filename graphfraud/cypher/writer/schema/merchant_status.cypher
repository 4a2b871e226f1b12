// Investigators filter merchants by status (banned shops for ban-evasion chains).
CREATE INDEX merchant_status IF NOT EXISTS
FOR (m:Merchant) ON (m.status)
