// A streamer's logins from a device.
// The identifier's `actors` (how many merchants and streamers use it) and `streamers`
// are recounted here, so the hub and sharing queries need not count.
// $rows: list of {streamer_id, device_id, first_seen, last_seen, logins}
UNWIND $rows AS row
MERGE (s:Streamer {streamer_id: row.streamer_id})
MERGE (d:Device {device_id: row.device_id})
MERGE (s)-[r:LOGGED_IN_FROM]->(d)
SET r.first_seen = datetime(row.first_seen),
    r.last_seen = datetime(row.last_seen),
    r.logins = row.logins,
    d.actors = COUNT { (d)<-[:LOGGED_IN_FROM|PAID_VIA]-() },
    d.streamers = COUNT { (d)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) }
