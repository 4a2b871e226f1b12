// One page of streamer-device login links: the next $chunk Streamers after $after in key order
// (an index seek on the key, so every page costs the same), returned as one record of
// columns (lists) rather than one record per row. `after` is the page's last key, null
// when there was nothing left; the reader loops until then.
MATCH (s:Streamer) WHERE s.streamer_id > $after
WITH s ORDER BY s.streamer_id LIMIT $chunk
WITH collect(s) AS page
CALL (page) {
  UNWIND page AS s
  MATCH (s)-[:LOGGED_IN_FROM]->(d:Device)
  RETURN collect(s.streamer_id) AS streamer_id, collect(d.device_id) AS device_id
}
RETURN page[-1].streamer_id AS after, streamer_id, device_id
