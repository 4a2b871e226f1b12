// The top rings of the latest complete scan run, with the standing verdict about each
// (confirm, dismiss; empty when none) and the latest decision (needs-info included).
// @param limit integer = 20  most rows returned
// @param risk enum(model.Risk) = ""  only this risk level; empty means all
// @returns run_id, ring_id, score, risk, pattern, members, verdict, decision, top_evidence
MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
MATCH (run)-[f:FOUND]->(r:Ring)
WHERE $risk = '' OR f.risk = $risk
RETURN run.run_id AS run_id, r.ring_id AS ring_id, f.score AS score, f.risk AS risk,
       r.pattern AS pattern, f.members AS members, r.verdict AS verdict,
       coalesce(r.decision, r.verdict) AS decision,
       r.evidence[0] AS top_evidence
ORDER BY score DESC, ring_id
LIMIT $limit
