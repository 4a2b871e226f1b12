// One page of streamers with their name, registration (epoch seconds) and followers: the next $chunk Streamers after $after in key order
// (an index seek on the key, so every page costs the same), returned as one record of
// columns (lists) rather than one record per row. `after` is the page's last key, null
// when there was nothing left; the reader loops until then.
// Missing properties stay null in their place (list comprehensions keep nulls).
MATCH (s:Streamer) WHERE s.streamer_id > $after
WITH s ORDER BY s.streamer_id LIMIT $chunk
WITH collect(s) AS page
RETURN page[-1].streamer_id AS after,
       [s IN page | s.streamer_id] AS streamer_id,
       [s IN page | s.name] AS name,
       [s IN page | s.registered_at.epochSeconds] AS registered_at,
       [s IN page | s.followers] AS followers
