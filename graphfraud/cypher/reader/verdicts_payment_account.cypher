// One page of current verdicts about PaymentAccount nodes (export labels and analysts'):
// the nodes after $after in key order that carry a verdict, at most $chunk, as one record
// of columns. `after` is the page's last key, null when there was nothing left.
MATCH (n:PaymentAccount) WHERE n.account_id > $after AND n.verdict IS NOT NULL
WITH n ORDER BY n.account_id LIMIT $chunk
WITH collect(n) AS page
RETURN page[-1].account_id AS after,
       [n IN page | n.account_id] AS entity_id,
       [n IN page | n.verdict] AS label,
       [n IN page | n.verdict_source] AS source
