// Onboarding check: each given host -- its label, how many shops it promotes, the
// rings of the latest complete run it belongs to (with their latest decision), its
// declared organisations and an analyst's latest decision about it.
// $ids: list of strings
OPTIONAL MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
UNWIND $ids AS id
MATCH (s:Streamer {streamer_id: id})
RETURN id, s.verdict AS verdict,
       COUNT { (s)-[:PROMOTED]->() } AS actors,
       [] AS fraud_actors,
       COLLECT { MATCH (s)<-[:HAS_MEMBER]-(r:Ring)<-[f:FOUND]-(run)
                 RETURN {ring_id: r.ring_id, risk: f.risk, score: f.score,
                         pattern: r.pattern, verdict: coalesce(r.decision, r.verdict),
                         by: coalesce(r.decision_by, r.verdict_by),
                         at: toString(coalesce(r.decision_at, r.verdict_at)),
                         note: coalesce(r.decision_note, r.verdict_note)} AS ring } AS rings,
       COLLECT { MATCH (v:Verdict)-[:ABOUT]->(s)
                 WHERE v.analyst IS NOT NULL
                   AND v.decision IN ['confirm', 'dismiss', 'needs-info']
                 RETURN {decision: v.decision, analyst: v.analyst, at: toString(v.at),
                         note: v.note, via_ring: v.via_ring} AS decision
                 ORDER BY v.at DESC, v.verdict_id DESC LIMIT 1 } AS decision,
       COLLECT { MATCH (s)-[:MEMBER_OF]->(o:Organization)
                 RETURN {organization_id: o.organization_id, name: o.name, kind: o.kind,
                         verified: o.verified} AS org
                 ORDER BY org.organization_id } AS organizations
