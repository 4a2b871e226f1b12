// Onboarding check: each given host -- its label, how many shops it promotes, the
// rings of the latest complete run it belongs to, and its declared organisations.
// $ids: list of strings
CALL () {
  MATCH (run:Run {complete: true})
  RETURN run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
}
UNWIND $ids AS id
MATCH (s:Streamer {streamer_id: id})
RETURN id, s.verdict AS verdict,
       COUNT { (s)-[:PROMOTED]->() } AS actors,
       [] AS fraud_actors,
       COLLECT { MATCH (s)<-[:HAS_MEMBER]-(r:Ring)<-[f:FOUND]-(run)
                 RETURN {ring_id: r.ring_id, risk: f.risk, score: f.score,
                         pattern: r.pattern, verdict: r.verdict,
                         by: r.verdict_by, at: toString(r.verdict_at),
                         note: r.verdict_note} AS ring } AS rings,
       COLLECT { MATCH (s)-[:MEMBER_OF]->(o:Organization)
                 RETURN {organization_id: o.organization_id, name: o.name, kind: o.kind,
                         verified: o.verified} AS org
                 ORDER BY org.organization_id } AS organizations
