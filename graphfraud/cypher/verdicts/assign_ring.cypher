// Assign a ring to an analyst (or, with a null assignee, to no one): an auditable
// Verdict (decision assign: who assigned whom, when, why, and whom it replaced) and the
// ring's current assignee. No label or decision changes.
// $ring_id: string; $v: {verdict_id, assignee (or null), note (or null), analyst, at}
MATCH (r:Ring {ring_id: $ring_id})
WITH r, r.assignee AS before
CREATE (v:Verdict {verdict_id: $v.verdict_id, target_type: 'ring', target_id: $ring_id,
                   decision: 'assign', assignee: $v.assignee, previous_assignee: before,
                   note: $v.note, analyst: $v.analyst, at: datetime($v.at)})
CREATE (v)-[:ABOUT]->(r)
SET r.assignee = $v.assignee, r.assigned_by = $v.analyst, r.assigned_at = datetime($v.at)
RETURN v.verdict_id AS verdict_id, before AS previous, toString(v.at) AS at
