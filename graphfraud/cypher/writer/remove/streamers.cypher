// Streamers that left the export (incremental batch): remove them and their links.
// The `actors` and `streamers` of the devices and accounts they used are recounted.
// $rows: list of {streamer_id}
UNWIND $rows AS row
MATCH (s:Streamer {streamer_id: row.streamer_id})
WITH s, [(s)-[:LOGGED_IN_FROM|PAID_VIA]->(x) | x] AS identifiers
DETACH DELETE s
WITH identifiers
UNWIND identifiers AS x
WITH DISTINCT x
WITH x, COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS actors,
     COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) } AS streamers
SET x.actors = CASE WHEN actors > 0 THEN actors END,
    x.streamers = CASE WHEN streamers > 0 THEN streamers END
