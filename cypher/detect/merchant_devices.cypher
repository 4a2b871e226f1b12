// Merchant-device login links.
MATCH (m:Merchant)-[:LOGGED_IN_FROM]->(d:Device)
RETURN m.merchant_id AS merchant_id, d.device_id AS device_id
