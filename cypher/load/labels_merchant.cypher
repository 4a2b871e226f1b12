// Known verdicts (blacklist or investigator clearance) about merchants.
// $rows: list of {entity_id, label, source, labeled_at}; label is fraud or legit
UNWIND $rows AS row
MATCH (n:Merchant {merchant_id: row.entity_id})
SET n.verdict = row.label,
    n.verdict_source = row.source,
    n.verdict_at = datetime(row.labeled_at)
