// One streamer as a case: who it is (name, status, registration, GMV and orders, its
// label and where the label came from), the rings it belongs to with every complete run
// that found them, newest first, and the devices and accounts it uses with how many
// actors use each.
// $id: string
MATCH (m:Streamer {streamer_id: $id})
RETURN 'streamer' AS kind, m.streamer_id AS id, m.name AS name, m.status AS status,
       toString(m.registered_at) AS registered_at,
       reduce(total = 0.0, g IN COLLECT { MATCH (m)-[p:PROMOTED]-() RETURN p.gmv }
              | total + coalesce(g, 0.0)) AS gmv,
       reduce(total = 0, n IN COLLECT { MATCH (m)-[p:PROMOTED]->() RETURN p.orders }
              | total + coalesce(n, 0)) AS orders,
       m.verdict AS verdict, m.verdict_source AS verdict_source,
       COLLECT { MATCH (m)<-[:HAS_MEMBER]-(r:Ring)<-[f:FOUND]-(run:Run {complete: true})
                 RETURN {run_id: run.run_id, generated_at: toString(run.generated_at),
                         ring_id: r.ring_id, risk: f.risk, score: f.score}
                 ORDER BY run.generated_at DESC, run.run_id DESC, r.ring_id } AS rings,
       COLLECT { MATCH (m)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
                 RETURN {kind: CASE WHEN x:Device THEN 'device' ELSE 'payment_account' END,
                         id: coalesce(x.device_id, x.account_id), verdict: x.verdict,
                         verdict_source: x.verdict_source,
                         users: COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() }}
                 ORDER BY coalesce(x.device_id, x.account_id) } AS identifiers
