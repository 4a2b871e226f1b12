// One ring as a case: its properties, the latest complete run and what changed since
// the one before (when that run found it), the batch's alert, its decision and
// assignee, its members (name, status, label, membership score, GMV and orders), the
// devices and accounts two or more of them use (with how many actors use each), and
// its decisions and assignments, oldest first.
// $ring_id: string
CALL () {
  MATCH (run:Run {complete: true})
  RETURN run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 2
}
WITH collect(run) AS runs
WITH runs[0] AS latest, runs[1] AS previous
MATCH (r:Ring {ring_id: $ring_id})
OPTIONAL MATCH (latest)-[f:FOUND]->(r)
OPTIONAL MATCH (previous)-[pf:FOUND]->(r) WHERE f IS NOT NULL AND f.change IS NULL
RETURN r.ring_id AS ring_id, r.score AS score, r.risk AS risk, r.pattern AS pattern,
       r.evidence AS evidence, r.reasons AS reasons, r.known_fraud AS known_fraud,
       r.known_legit AS known_legit, r.run_id AS last_found_run_id,
       latest.run_id AS run_id, toString(latest.generated_at) AS generated_at,
       previous.run_id AS previous_run_id, f IS NOT NULL AS in_latest_run,
       f.change AS change, f.members AS members_count,
       CASE WHEN f.change IS NOT NULL THEN f.previous_risk ELSE pf.risk END AS previous_risk,
       CASE WHEN f.change IS NOT NULL THEN f.previous_members
            ELSE pf.members END AS previous_members,
       pf IS NOT NULL AS previously_found, f.joined AS joined, f.left AS left,
       f.alert AS alert, coalesce(r.decision, r.verdict) AS verdict,
       coalesce(r.decision_by, r.verdict_by) AS verdict_by,
       toString(coalesce(r.decision_at, r.verdict_at)) AS verdict_at,
       coalesce(r.decision_note, r.verdict_note) AS verdict_note, r.assignee AS assignee,
       COLLECT { MATCH (r)-[h:HAS_MEMBER]->(m)
                 RETURN {kind: CASE WHEN m:Merchant THEN 'merchant' ELSE 'streamer' END,
                         id: coalesce(m.merchant_id, m.streamer_id), name: m.name,
                         status: m.status, verdict: m.verdict,
                         verdict_source: m.verdict_source, score: h.score,
                         gmv: reduce(total = 0.0, g IN COLLECT {
                                       MATCH (m)-[p:PROMOTED]-() RETURN p.gmv }
                                     | total + coalesce(g, 0.0)),
                         orders: CASE WHEN m:Merchant THEN m.orders
                                      ELSE reduce(total = 0, n IN COLLECT {
                                             MATCH (m)-[p:PROMOTED]->() RETURN p.orders }
                                           | total + coalesce(n, 0)) END}
                 ORDER BY h.score DESC, coalesce(m.merchant_id, m.streamer_id) } AS members,
       COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
                 WITH x, count(DISTINCT m) AS members WHERE members >= 2
                 RETURN {kind: CASE WHEN x:Device THEN 'device' ELSE 'payment_account' END,
                         id: coalesce(x.device_id, x.account_id), members: members,
                         users: COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() }}
                 ORDER BY members DESC, coalesce(x.device_id, x.account_id) } AS shared,
       COLLECT { MATCH (v:Verdict {target_type: 'ring', target_id: r.ring_id})
                 RETURN {verdict_id: v.verdict_id, decision: v.decision,
                         analyst: v.analyst, at: toString(v.at), note: v.note,
                         members: size(v.members), assignee: v.assignee,
                         previous_assignee: v.previous_assignee}
                 ORDER BY v.at, v.verdict_id } AS history
