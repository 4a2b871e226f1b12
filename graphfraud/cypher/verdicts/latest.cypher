// The latest analyst verdict of every entity (not rings, not the label events loaded
// from labels.csv, not the decisions that set no label: needs-info), for export as
// labels.csv.
MATCH (v:Verdict) WHERE v.target_type <> 'ring' AND v.analyst IS NOT NULL
  AND v.decision IN ['confirm', 'dismiss']
WITH v ORDER BY v.at DESC, v.verdict_id DESC
WITH v.target_type AS entity_type, v.target_id AS entity_id, collect(v)[0] AS v
RETURN entity_type, entity_id, v.label AS label, 'analyst:' + v.analyst AS source,
       toString(v.at) AS labeled_at
ORDER BY entity_type, entity_id
