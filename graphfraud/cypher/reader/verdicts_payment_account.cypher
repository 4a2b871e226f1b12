// One page of current verdicts about PaymentAccount nodes (export labels and analysts'):
// the nodes after $after in key order that carry a verdict, at most $chunk, as one record
// of columns. `after` is the page's last key, null when there was nothing left.
// `export_label`: for a node whose verdict is an analyst's (source analyst:NAME), the
// label of the latest label event of the export's labels.csv about it (dated events
// after undated ones, as the loader ranks them), null when none and for other nodes.
MATCH (n:PaymentAccount) WHERE n.account_id > $after AND n.verdict IS NOT NULL
WITH n ORDER BY n.account_id LIMIT $chunk
WITH n, CASE WHEN n.verdict_source STARTS WITH 'analyst:' THEN
          COLLECT { MATCH (e:Verdict)-[:ABOUT]->(n) WHERE e.decision = 'label'
                    RETURN e.label ORDER BY e.at IS NOT NULL DESC, e.at DESC LIMIT 1 }
        ELSE [] END AS before
ORDER BY n.account_id
WITH collect([n, before[0]]) AS page
RETURN page[-1][0].account_id AS after,
       [x IN page | x[0].account_id] AS entity_id,
       [x IN page | x[0].verdict] AS label,
       [x IN page | x[0].verdict_source] AS source,
       [x IN page | x[1]] AS export_label
