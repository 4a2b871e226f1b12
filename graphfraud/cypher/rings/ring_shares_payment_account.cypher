// Link rings to the payment accounts their members share.
// $rows: list of {ring_id, id, link (the SHARES relationship's properties: members)}
UNWIND $rows AS row
MATCH (r:Ring {ring_id: row.ring_id})
MATCH (a:PaymentAccount {account_id: row.id})
MERGE (r)-[s:SHARES]->(a)
SET s += row.link
