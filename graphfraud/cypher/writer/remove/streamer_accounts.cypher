// Rows of streamer_accounts.csv that left the export: remove those links.
// The identifier's `actors` and `streamers` are recounted (null when nothing uses it any more).
// $rows: list of {streamer_id, account_id}
UNWIND $rows AS row
MATCH (:Streamer {streamer_id: row.streamer_id})-[r:PAID_VIA]->(a:PaymentAccount {account_id: row.account_id})
DELETE r
WITH DISTINCT a
WITH a, COUNT { (a)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS actors,
     COUNT { (a)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) } AS streamers
SET a.actors = CASE WHEN actors > 0 THEN actors END,
    a.streamers = CASE WHEN streamers > 0 THEN streamers END
