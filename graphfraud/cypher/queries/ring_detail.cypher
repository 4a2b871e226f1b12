// One ring in full: score, risk, pattern, an analyst's latest decision (verdict: confirm,
// dismiss or needs-info; who, when and why), who it is assigned to, every decision and
// assignment about it oldest first, evidence, members (with their status and verdict)
// and the devices and accounts they share.
// @param ring_id string  the ring's id (from rings.json or top_rings)
// @returns one row: ring_id, score, risk, pattern, verdict, verdict_at, verdict_by, verdict_note, assignee, history (at, decision, analyst, note, assignee), evidence, known_fraud, known_legit, members, shared
MATCH (r:Ring {ring_id: $ring_id})
RETURN r.ring_id AS ring_id, r.score AS score, r.risk AS risk, r.pattern AS pattern,
       coalesce(r.decision, r.verdict) AS verdict,
       toString(coalesce(r.decision_at, r.verdict_at)) AS verdict_at,
       coalesce(r.decision_by, r.verdict_by) AS verdict_by,
       coalesce(r.decision_note, r.verdict_note) AS verdict_note, r.assignee AS assignee,
       COLLECT { MATCH (v:Verdict {target_type: 'ring', target_id: r.ring_id})
                 RETURN {at: toString(v.at), decision: v.decision, analyst: v.analyst,
                         note: v.note, assignee: v.assignee}
                 ORDER BY v.at, v.verdict_id } AS history,
       r.evidence AS evidence, r.known_fraud AS known_fraud, r.known_legit AS known_legit,
       COLLECT { MATCH (r)-[h:HAS_MEMBER]->(m)
                 RETURN {type: CASE WHEN m:Merchant THEN 'merchant' ELSE 'streamer' END,
                         id: coalesce(m.merchant_id, m.streamer_id), score: h.score,
                         status: m.status, verdict: m.verdict}
                 ORDER BY h.score DESC, coalesce(m.merchant_id, m.streamer_id) } AS members,
       COLLECT { MATCH (r)-[s:SHARES]->(x)
                 RETURN {type: CASE WHEN x:Device THEN 'device' ELSE 'payment_account' END,
                         id: coalesce(x.device_id, x.account_id), members: s.members}
                 ORDER BY s.members DESC, coalesce(x.device_id, x.account_id) } AS shared
