// Merchant-account money links.
MATCH (m:Merchant)-[:PAID_VIA]->(a:PaymentAccount)
RETURN m.merchant_id AS merchant_id, a.account_id AS account_id
