// Link rings to their merchant members.
// $rows: list of {ring_id, id, link (the HAS_MEMBER relationship's properties: score)}
UNWIND $rows AS row
MATCH (r:Ring {ring_id: row.ring_id})
MATCH (m:Merchant {merchant_id: row.id})
MERGE (r)-[h:HAS_MEMBER]->(m)
SET h += row.link
