// Rows of streamer_devices.csv that left the export: remove those links.
// $rows: list of {streamer_id, device_id}
UNWIND $rows AS row
MATCH (:Streamer {streamer_id: row.streamer_id})-[r:LOGGED_IN_FROM]->(:Device {device_id: row.device_id})
DELETE r
