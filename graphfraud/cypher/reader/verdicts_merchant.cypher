// One page of current verdicts about Merchant nodes (export labels and analysts'):
// the nodes after $after in key order that carry a verdict, at most $chunk, as one record
// of columns. `after` is the page's last key, null when there was nothing left.
MATCH (n:Merchant) WHERE n.merchant_id > $after AND n.verdict IS NOT NULL
WITH n ORDER BY n.merchant_id LIMIT $chunk
WITH collect(n) AS page
RETURN page[-1].merchant_id AS after,
       [n IN page | n.merchant_id] AS entity_id,
       [n IN page | n.verdict] AS label,
       [n IN page | n.verdict_source] AS source
