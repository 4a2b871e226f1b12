// Known verdicts (blacklist or investigator clearance) about merchants.
// $rows: list of {entity_id, label, source, labeled_at}; label is fraud or legit.
// An analyst's verdict (graphfraud verdict) stands unless the label is newer.
UNWIND $rows AS row
MATCH (n:Merchant {merchant_id: row.entity_id})
WITH n, row
WHERE n.verdict_source IS NULL OR NOT n.verdict_source STARTS WITH 'analyst:'
   OR (row.labeled_at IS NOT NULL AND datetime(row.labeled_at) > n.verdict_at)
SET n.verdict = row.label,
    n.verdict_source = row.source,
    n.verdict_at = datetime(row.labeled_at)
