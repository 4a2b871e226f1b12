// A streamer sold a merchant's goods in live sessions or short videos.
// $rows: list of {streamer_id, merchant_id, sessions, orders, gmv, first_at, last_at}
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (s:Streamer {streamer_id: row.streamer_id})
MERGE (s)-[r:PROMOTED]->(m)
SET r.sessions = row.sessions,
    r.orders = row.orders,
    r.gmv = row.gmv,
    r.first_at = datetime(row.first_at),
    r.last_at = datetime(row.last_at)
