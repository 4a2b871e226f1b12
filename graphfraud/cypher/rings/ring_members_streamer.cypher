// Link rings to their streamer members.
// $rows: list of {ring_id, id, link (the HAS_MEMBER relationship's properties: score)}
UNWIND $rows AS row
MATCH (r:Ring {ring_id: row.ring_id})
MATCH (s:Streamer {streamer_id: row.id})
MERGE (r)-[h:HAS_MEMBER]->(s)
SET h += row.link
