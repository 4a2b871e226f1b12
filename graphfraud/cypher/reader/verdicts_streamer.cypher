// One page of current verdicts about Streamer nodes (export labels and analysts'):
// the nodes after $after in key order that carry a verdict, at most $chunk, as one record
// of columns. `after` is the page's last key, null when there was nothing left.
MATCH (n:Streamer) WHERE n.streamer_id > $after AND n.verdict IS NOT NULL
WITH n ORDER BY n.streamer_id LIMIT $chunk
WITH collect(n) AS page
RETURN page[-1].streamer_id AS after,
       [n IN page | n.streamer_id] AS entity_id,
       [n IN page | n.verdict] AS label,
       [n IN page | n.verdict_source] AS source
