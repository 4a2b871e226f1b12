// Rows of streamer_devices.csv that left the export: remove those links.
// The identifier's `actors` and `streamers` are recounted (null when nothing uses it any more).
// $rows: list of {streamer_id, device_id}
UNWIND $rows AS row
MATCH (:Streamer {streamer_id: row.streamer_id})-[r:LOGGED_IN_FROM]->(d:Device {device_id: row.device_id})
DELETE r
WITH DISTINCT d
WITH d, COUNT { (d)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS actors,
     COUNT { (d)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) } AS streamers
SET d.actors = CASE WHEN actors > 0 THEN actors END,
    d.streamers = CASE WHEN streamers > 0 THEN streamers END
