// One ring in full: score, risk, pattern, an analyst's latest decision (verdict,
// verdict_at), evidence, members (with their status and verdict) and the devices and
// accounts they share.
// @param ring_id string  the ring's id (from rings.json or top_rings)
// @returns one row: ring_id, score, risk, pattern, verdict, verdict_at, evidence, known_fraud, known_legit, members, shared
MATCH (r:Ring {ring_id: $ring_id})
RETURN r.ring_id AS ring_id, r.score AS score, r.risk AS risk, r.pattern AS pattern,
       r.verdict AS verdict, toString(r.verdict_at) AS verdict_at,
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
