// Record an analyst's decision about one device; confirm or dismiss also make its
// label (fraud, legit) its current verdict, needs-info (no label) changes no label.
// The Verdict node is created, never updated: it is the audit trail.
// $v: {verdict_id, decision, label (null for needs-info), note, analyst, at, via_ring}
MATCH (n:Device {device_id: $id})
CREATE (v:Verdict {verdict_id: $v.verdict_id, target_type: 'device', target_id: $id,
                   decision: $v.decision, label: $v.label, note: $v.note,
                   analyst: $v.analyst, at: datetime($v.at), via_ring: $v.via_ring})
CREATE (v)-[:ABOUT]->(n)
FOREACH (_ IN CASE WHEN $v.label IS NULL THEN [] ELSE [1] END |
         SET n.verdict = $v.label, n.verdict_source = 'analyst:' + $v.analyst,
             n.verdict_at = datetime($v.at))
RETURN v.verdict_id AS verdict_id
