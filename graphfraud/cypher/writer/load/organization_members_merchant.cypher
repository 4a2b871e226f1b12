// Merchants declared as members of an organisation (organization_members.csv).
// The organisation and the merchant exist (the loader rejects rows naming either
// unknown).
// $rows: list of {organization_id, entity_id, since}
UNWIND $rows AS row
MATCH (o:Organization {organization_id: row.organization_id})
MATCH (n:Merchant {merchant_id: row.entity_id})
MERGE (n)-[r:MEMBER_OF]->(o)
SET r.since = datetime(row.since)
