// Which streamer promoted which merchant.
MATCH (s:Streamer)-[:PROMOTED]->(m:Merchant)
RETURN s.streamer_id AS streamer_id, m.merchant_id AS merchant_id
