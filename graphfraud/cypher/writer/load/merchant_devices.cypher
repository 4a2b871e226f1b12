// A merchant's back-office logins from a device; the device is created from its id
// if devices.csv lacks it. Counts are the export's totals for the pair (a reload
// sets the same values again).
// The identifier's `actors` (how many merchants and streamers use it) is recounted
// here, so the hub and sharing queries can use an index instead of counting.
// $rows: list of {merchant_id, device_id, first_seen, last_seen, logins}
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
MERGE (d:Device {device_id: row.device_id})
MERGE (m)-[r:LOGGED_IN_FROM]->(d)
SET r.first_seen = datetime(row.first_seen),
    r.last_seen = datetime(row.last_seen),
    r.logins = row.logins,
    d.actors = COUNT { (d)<-[:LOGGED_IN_FROM|PAID_VIA]-() }
