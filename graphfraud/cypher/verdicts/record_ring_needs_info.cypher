// Record that an analyst needs more information about a ring: a Verdict (decision
// needs-info, no label) with the members it has at that moment, and the ring's latest
// decision. No label changes: the ring's standing verdict and its members' stay.
// $ring_id: string; $v: {verdict_id, decision, note, analyst, at}
MATCH (r:Ring {ring_id: $ring_id})
WITH r, COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)
                  RETURN CASE WHEN m:Merchant THEN 'merchant:' + m.merchant_id
                              ELSE 'streamer:' + m.streamer_id END } AS members
CREATE (v:Verdict {verdict_id: $v.verdict_id, target_type: 'ring', target_id: $ring_id,
                   decision: $v.decision, note: $v.note, analyst: $v.analyst,
                   at: datetime($v.at), members: members})
CREATE (v)-[:ABOUT]->(r)
SET r.decision = $v.decision, r.decision_at = datetime($v.at), r.decision_by = $v.analyst,
    r.decision_note = $v.note
RETURN size(members) AS members, 0 AS overturned
