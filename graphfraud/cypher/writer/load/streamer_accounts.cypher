// Money flows between a streamer and an account.
// The identifier's `actors` (how many merchants and streamers use it) and `streamers`
// are recounted here, so the hub and sharing queries need not count.
// $rows: list of {streamer_id, account_id, role, first_seen}; role is comma-joined
UNWIND $rows AS row
MERGE (s:Streamer {streamer_id: row.streamer_id})
MERGE (a:PaymentAccount {account_id: row.account_id})
MERGE (s)-[r:PAID_VIA]->(a)
SET r.roles = CASE WHEN row.role IS NULL THEN [] ELSE split(row.role, ',') END,
    r.first_seen = datetime(row.first_seen),
    a.actors = COUNT { (a)<-[:LOGGED_IN_FROM|PAID_VIA]-() },
    a.streamers = COUNT { (a)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) }
