// Upsert streamers (hosts).
// $rows: list of {streamer_id, name, registered_at, followers}
UNWIND $rows AS row
MERGE (s:Streamer {streamer_id: row.streamer_id})
SET s.name = coalesce(row.name, s.name),
    s.registered_at = coalesce(datetime(row.registered_at), s.registered_at),
    s.followers = coalesce(row.followers, s.followers)
