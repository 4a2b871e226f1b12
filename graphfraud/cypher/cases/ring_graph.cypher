// One ring as a graph: its members, the devices and accounts two or more of them use
// (hubs included, with how many actors use each, but not their other users), who uses
// which, who promotes whom among them, the declared organisations they belong to, and
// which members joined since the previous complete run.
// $ring_id: string
CALL () {
  MATCH (run:Run {complete: true})
  RETURN run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 1
}
WITH collect(run)[0] AS latest
MATCH (r:Ring {ring_id: $ring_id})
OPTIONAL MATCH (latest)-[f:FOUND]->(r)
RETURN f.change AS change, f.joined AS joined,
       COLLECT { MATCH (r)-[h:HAS_MEMBER]->(m)
                 RETURN {kind: CASE WHEN m:Merchant THEN 'merchant' ELSE 'streamer' END,
                         id: coalesce(m.merchant_id, m.streamer_id), name: m.name,
                         status: m.status, verdict: m.verdict,
                         verdict_source: m.verdict_source, users: 0}
                 ORDER BY h.score DESC, coalesce(m.merchant_id, m.streamer_id) } AS members,
       COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
                 WITH x, collect(DISTINCT CASE WHEN m:Merchant THEN 'merchant:' + m.merchant_id
                                               ELSE 'streamer:' + m.streamer_id END) AS used
                 WHERE size(used) >= 2
                 RETURN {kind: CASE WHEN x:Device THEN 'device' ELSE 'payment_account' END,
                         id: coalesce(x.device_id, x.account_id), name: null, status: null,
                         verdict: x.verdict, verdict_source: x.verdict_source,
                         users: COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() }, used_by: used}
                 ORDER BY size(used) DESC, coalesce(x.device_id, x.account_id) } AS shared,
       COLLECT { MATCH (r)-[:HAS_MEMBER]->(s:Streamer)-[:PROMOTED]->(m:Merchant)
                       <-[:HAS_MEMBER]-(r)
                 RETURN [s.streamer_id, m.merchant_id]
                 ORDER BY s.streamer_id, m.merchant_id } AS promotions,
       COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)-[:MEMBER_OF]->(o:Organization)
                 WITH o, collect(CASE WHEN m:Merchant THEN 'merchant:' + m.merchant_id
                                      ELSE 'streamer:' + m.streamer_id END) AS members
                 RETURN {kind: 'organization', id: o.organization_id, name: o.name,
                         status: null, verdict: null, verdict_source: null, users: 0,
                         used_by: members}
                 ORDER BY o.organization_id } AS organizations
