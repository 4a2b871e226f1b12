// Onboarding check: what each given device connects to -- how many actors use it, its
// own label, the known-fraud or banned actors using it, and the rings of the latest
// complete run whose members use it (with their latest decision), and an analyst's
// latest decision about it.
// $ids: list of strings
OPTIONAL MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
UNWIND $ids AS id
MATCH (n:Device {device_id: id})
RETURN id, n.verdict AS verdict,
       COUNT { (n)<-[:LOGGED_IN_FROM]-() } AS actors,
       COLLECT { MATCH (n)<-[:LOGGED_IN_FROM]-(x)
                 WHERE x.verdict = 'fraud' OR x.status = 'banned'
                 RETURN CASE WHEN x:Merchant THEN 'merchant:' + x.merchant_id
                             ELSE 'streamer:' + x.streamer_id END AS actor
                 ORDER BY actor LIMIT 50 } AS fraud_actors,
       COLLECT { MATCH (n)<-[:LOGGED_IN_FROM]-()<-[:HAS_MEMBER]-(r:Ring)<-[f:FOUND]-(run)
                 RETURN DISTINCT {ring_id: r.ring_id, risk: f.risk, score: f.score,
                                  pattern: r.pattern,
                                  verdict: coalesce(r.decision, r.verdict),
                                  by: coalesce(r.decision_by, r.verdict_by),
                                  at: toString(coalesce(r.decision_at, r.verdict_at)),
                                  note: coalesce(r.decision_note, r.verdict_note)} AS ring
               } AS rings,
       COLLECT { MATCH (v:Verdict)-[:ABOUT]->(n)
                 WHERE v.analyst IS NOT NULL
                   AND v.decision IN ['confirm', 'dismiss', 'needs-info']
                 RETURN {decision: v.decision, analyst: v.analyst, at: toString(v.at),
                         note: v.note, via_ring: v.via_ring} AS decision
                 ORDER BY v.at DESC, v.verdict_id DESC LIMIT 1 } AS decision
