// Streamer-account money links.
MATCH (s:Streamer)-[:PAID_VIA]->(a:PaymentAccount)
RETURN s.streamer_id AS streamer_id, a.account_id AS account_id
