// Record an analyst's verdict about a ring, with the members it had at that moment,
// and the same verdict for each member (confirm: fraud; dismiss: legit); counts the
// members whose earlier label it overturns (a dismissal clearing blacklisted shops);
// each member's verdict keeps the label it replaced (replaced, replaced_source). The ring
// keeps its standing verdict (verdict, what the labels follow) and its latest decision
// (decision: a later needs-info replaces it there, not in verdict).
// $v: {verdict_id, decision, label, note, analyst, at}
MATCH (r:Ring {ring_id: $ring_id})
WITH r, COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)
                  RETURN CASE WHEN m:Merchant THEN 'merchant:' + m.merchant_id
                              ELSE 'streamer:' + m.streamer_id END } AS members
CREATE (v:Verdict {verdict_id: $v.verdict_id, target_type: 'ring', target_id: $ring_id,
                   decision: $v.decision, label: $v.label, note: $v.note,
                   analyst: $v.analyst, at: datetime($v.at), members: members})
CREATE (v)-[:ABOUT]->(r)
SET r.verdict = $v.decision, r.verdict_at = datetime($v.at), r.verdict_members = members,
    r.verdict_by = $v.analyst, r.verdict_note = $v.note,
    r.decision = $v.decision, r.decision_at = datetime($v.at), r.decision_by = $v.analyst,
    r.decision_note = $v.note
WITH r, v
MATCH (r)-[:HAS_MEMBER]->(m)
WITH r, v, m, m.verdict AS before, m.verdict_source AS before_source
CREATE (mv:Verdict {verdict_id: v.verdict_id + '/' + coalesce(m.merchant_id, m.streamer_id),
                    target_type: CASE WHEN m:Merchant THEN 'merchant' ELSE 'streamer' END,
                    target_id: coalesce(m.merchant_id, m.streamer_id),
                    decision: v.decision, label: v.label, note: v.note, analyst: v.analyst,
                    at: v.at, via_ring: r.ring_id, replaced: before,
                    replaced_source: before_source})
CREATE (mv)-[:ABOUT]->(m)
SET m.verdict = v.label, m.verdict_source = 'analyst:' + v.analyst, m.verdict_at = v.at
RETURN count(mv) AS members,
       count(CASE WHEN before IS NOT NULL AND before <> v.label THEN 1 END) AS overturned
