// Rows of merchant_accounts.csv that left the export: remove those links.
// The identifier's `actors` is recounted (null when nothing uses it any more).
// $rows: list of {merchant_id, account_id}
UNWIND $rows AS row
MATCH (:Merchant {merchant_id: row.merchant_id})-[r:PAID_VIA]->(a:PaymentAccount {account_id: row.account_id})
DELETE r
WITH DISTINCT a
WITH a, COUNT { (a)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS actors
SET a.actors = CASE WHEN actors > 0 THEN actors END
