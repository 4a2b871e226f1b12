// Rows of merchant_devices.csv that left the export: remove those links.
// The identifier's `actors` is recounted (null when nothing uses it any more).
// $rows: list of {merchant_id, device_id}
UNWIND $rows AS row
MATCH (:Merchant {merchant_id: row.merchant_id})-[r:LOGGED_IN_FROM]->(d:Device {device_id: row.device_id})
DELETE r
WITH DISTINCT d
WITH d, COUNT { (d)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS actors
SET d.actors = CASE WHEN actors > 0 THEN actors END
