// One hop from one node of the graph. From an actor: the devices and accounts it uses
// (each with how many actors use it), the other actors using those that are not hubs
// (used by at most $hub_users actors), each with the identifiers it shares with the
// actor, most shared first, and who it promotes or is promoted by. From an identifier:
// the actors using it, unless it is a hub. Each list holds at most $limit + 1 entries
// (one more than shown, to tell that it was cut).
// $kind: merchant, streamer, device or payment_account; $id: string;
// $hub_users, $limit: integers
CALL () {
  MATCH (n:Merchant {merchant_id: $id}) WHERE $kind = 'merchant' RETURN n
  UNION
  MATCH (n:Streamer {streamer_id: $id}) WHERE $kind = 'streamer' RETURN n
  UNION
  MATCH (n:Device {device_id: $id}) WHERE $kind = 'device' RETURN n
  UNION
  MATCH (n:PaymentAccount {account_id: $id}) WHERE $kind = 'payment_account' RETURN n
}
WITH n, COUNT { (n)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS users
RETURN {kind: $kind, id: $id, name: n.name, status: n.status, verdict: n.verdict,
        verdict_source: n.verdict_source, users: users} AS node,
       COLLECT { MATCH (n)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
                 WITH x, COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS used
                 RETURN {kind: CASE WHEN x:Device THEN 'device' ELSE 'payment_account' END,
                         id: coalesce(x.device_id, x.account_id), name: null, status: null,
                         verdict: x.verdict, verdict_source: x.verdict_source, users: used}
                 ORDER BY used, coalesce(x.device_id, x.account_id)
                 LIMIT $limit + 1 } AS identifiers,
       COLLECT { MATCH (n)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
                 WHERE COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $hub_users
                 MATCH (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(b) WHERE b <> n
                 WITH b, collect(CASE WHEN x:Device THEN 'device:' + x.device_id
                                      ELSE 'payment_account:' + x.account_id END) AS via
                 RETURN {kind: CASE WHEN b:Merchant THEN 'merchant' ELSE 'streamer' END,
                         id: coalesce(b.merchant_id, b.streamer_id), name: b.name,
                         status: b.status, verdict: b.verdict,
                         verdict_source: b.verdict_source, users: 0, via: via}
                 ORDER BY size(via) DESC, coalesce(b.merchant_id, b.streamer_id)
                 LIMIT $limit + 1 } AS neighbours,
       COLLECT { MATCH (n)-[p:PROMOTED]-(b)
                 RETURN {kind: CASE WHEN b:Merchant THEN 'merchant' ELSE 'streamer' END,
                         id: coalesce(b.merchant_id, b.streamer_id), name: b.name,
                         status: b.status, verdict: b.verdict,
                         verdict_source: b.verdict_source, users: 0,
                         promotes: startNode(p) = n}
                 ORDER BY coalesce(p.gmv, 0) DESC, coalesce(b.merchant_id, b.streamer_id)
                 LIMIT $limit + 1 } AS promoted,
       COLLECT { MATCH (n)<-[:LOGGED_IN_FROM|PAID_VIA]-(b) WHERE users <= $hub_users
                 RETURN {kind: CASE WHEN b:Merchant THEN 'merchant' ELSE 'streamer' END,
                         id: coalesce(b.merchant_id, b.streamer_id), name: b.name,
                         status: b.status, verdict: b.verdict,
                         verdict_source: b.verdict_source, users: 0}
                 ORDER BY coalesce(b.merchant_id, b.streamer_id)
                 LIMIT $limit + 1 } AS users_of
