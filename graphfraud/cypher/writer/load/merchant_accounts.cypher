// Money flows between a merchant and an account, in one or more roles.
// The identifier's `actors` (how many merchants and streamers use it) is recounted
// here, so the hub and sharing queries can use an index instead of counting.
// $rows: list of {merchant_id, account_id, role, first_seen}; role is comma-joined
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (a:PaymentAccount {account_id: row.account_id})
MERGE (m)-[r:PAID_VIA]->(a)
SET r.roles = CASE WHEN row.role IS NULL THEN [] ELSE split(row.role, ',') END,
    r.first_seen = datetime(row.first_seen),
    a.actors = COUNT { (a)<-[:LOGGED_IN_FROM|PAID_VIA]-() }
