// Rows of promotions.csv that left the export: remove those links.
// $rows: list of {streamer_id, merchant_id}
UNWIND $rows AS row
MATCH (:Streamer {streamer_id: row.streamer_id})-[r:PROMOTED]->(:Merchant {merchant_id: row.merchant_id})
DELETE r
