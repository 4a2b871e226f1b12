// Labels that left labels.csv: forget them, unless an analyst's verdict stands there.
// $rows: list of {entity_id}
UNWIND $rows AS row
MATCH (n:Merchant {merchant_id: row.entity_id})
WHERE n.verdict_source IS NULL OR NOT n.verdict_source STARTS WITH 'analyst:'
REMOVE n.verdict, n.verdict_source, n.verdict_at
