// Ban-evasion chains walk banned merchants in id order (and stop at their limit).
CREATE INDEX merchant_status_id IF NOT EXISTS
FOR (m:Merchant) ON (m.status, m.merchant_id)
