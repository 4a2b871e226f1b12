// The label events of labels.csv about streamers, kept as the audit trail: one
// Verdict node (decision 'label') per distinct event, ABOUT its entity. verdict_id is
// a digest of the event's content, so a reload of the same export adds and changes
// nothing. The entity's standing label is set by labels_streamer.
// $rows: list of {verdict_id, entity_id, label, source, labeled_at}
UNWIND $rows AS row
MATCH (n:Streamer {streamer_id: row.entity_id})
MERGE (v:Verdict {verdict_id: row.verdict_id})
SET v.target_type = 'streamer', v.target_id = row.entity_id, v.decision = 'label',
    v.label = row.label, v.source = row.source, v.at = datetime(row.labeled_at)
MERGE (v)-[:ABOUT]->(n)
