// One page of current verdicts about Device nodes (export labels and analysts'):
// the nodes after $after in key order that carry a verdict, at most $chunk, as one record
// of columns. `after` is the page's last key, null when there was nothing left.
MATCH (n:Device) WHERE n.device_id > $after AND n.verdict IS NOT NULL
WITH n ORDER BY n.device_id LIMIT $chunk
WITH collect(n) AS page
RETURN page[-1].device_id AS after,
       [n IN page | n.device_id] AS entity_id,
       [n IN page | n.verdict] AS label,
       [n IN page | n.verdict_source] AS source
