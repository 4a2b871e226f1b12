// Link rings to the devices their members share.
// $rows: list of {ring_id, id, link (the SHARES relationship's properties: members)}
UNWIND $rows AS row
MATCH (r:Ring {ring_id: row.ring_id})
MATCH (d:Device {device_id: row.id})
MERGE (r)-[s:SHARES]->(d)
SET s += row.link
