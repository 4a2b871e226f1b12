// The latest analyst decision (confirm, dismiss or needs-info) about every ring and
// entity that has one, with who, when and why (the onboarding check's index names
// them). A member's decision made through its ring names the ring (via_ring).
MATCH (v:Verdict) WHERE v.analyst IS NOT NULL
  AND v.decision IN ['confirm', 'dismiss', 'needs-info']
WITH v ORDER BY v.at DESC, v.verdict_id DESC
WITH v.target_type AS target_type, v.target_id AS target_id, collect(v)[0] AS v
RETURN target_type, target_id, v.decision AS decision, v.analyst AS analyst,
       toString(v.at) AS at, v.note AS note, v.via_ring AS via_ring
ORDER BY target_type, target_id
