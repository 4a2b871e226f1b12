// Streamers that left the export (incremental batch): remove them and their links.
// $rows: list of {streamer_id}
UNWIND $rows AS row
MATCH (s:Streamer {streamer_id: row.streamer_id})
DETACH DELETE s
