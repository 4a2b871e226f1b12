// Onboarding check: the checked merchant itself, when the graph holds it (an existing
// shop checked again) -- its label, the rings of the latest complete run it belongs to
// (with their latest decision) and an analyst's latest decision about it.
// $id: string
OPTIONAL MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
MATCH (m:Merchant {merchant_id: $id})
RETURN m.verdict AS verdict,
       COLLECT { MATCH (m)<-[:HAS_MEMBER]-(r:Ring)<-[f:FOUND]-(run)
                 RETURN {ring_id: r.ring_id, risk: f.risk, score: f.score,
                         pattern: r.pattern, verdict: coalesce(r.decision, r.verdict),
                         by: coalesce(r.decision_by, r.verdict_by),
                         at: toString(coalesce(r.decision_at, r.verdict_at)),
                         note: coalesce(r.decision_note, r.verdict_note)} AS ring } AS rings,
       COLLECT { MATCH (v:Verdict)-[:ABOUT]->(m)
                 WHERE v.analyst IS NOT NULL
                   AND v.decision IN ['confirm', 'dismiss', 'needs-info']
                 RETURN {decision: v.decision, analyst: v.analyst, at: toString(v.at),
                         note: v.note, via_ring: v.via_ring} AS decision
                 ORDER BY v.at DESC, v.verdict_id DESC LIMIT 1 } AS decision
