// The neighbourhood of an actor (typically a blacklisted one): merchants and streamers
// within `hops` (1 or 2) actor hops through shared devices, accounts or promotions,
// never through a hub (a device/account used by, or a host promoting, more than
// max_sharing actors), nearest first. Expanded level by level, so it stays bounded.
// @param id string  merchant_id or streamer_id
// @param hops integer = 2  actor hops, 1 or 2
// @param max_sharing integer = 100  do not pass through devices/accounts/hosts with more actors
// @param limit integer = 100  most rows returned
// @returns type, id, distance, verdict, status
CALL () {
  MATCH (a:Merchant {merchant_id: $id}) RETURN a
  UNION
  MATCH (a:Streamer {streamer_id: $id}) RETURN a
}
CALL (a) {
  MATCH (a)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
  WHERE COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $max_sharing
  MATCH (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(n)
  RETURN n
  UNION
  MATCH (a)-[:PROMOTED]-(n)
  WHERE (a:Streamer AND COUNT { (a)-[:PROMOTED]->() } <= $max_sharing)
     OR (n:Streamer AND COUNT { (n)-[:PROMOTED]->() } <= $max_sharing)
  RETURN n
}
WITH a, collect(DISTINCT n) AS reached
WITH a, [n IN reached WHERE n <> a] AS near
CALL (a, near) {
  UNWIND CASE WHEN $hops >= 2 THEN near ELSE [] END AS f
  CALL (f) {
    MATCH (f)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
    WHERE COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $max_sharing
    MATCH (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(n)
    RETURN n
    UNION
    MATCH (f)-[:PROMOTED]-(n)
    WHERE (f:Streamer AND COUNT { (f)-[:PROMOTED]->() } <= $max_sharing)
       OR (n:Streamer AND COUNT { (n)-[:PROMOTED]->() } <= $max_sharing)
    RETURN n
  }
  WITH n WHERE n <> a AND NOT n IN near
  RETURN collect(DISTINCT n) AS far
}
UNWIND [n IN near | {node: n, distance: 1}] + [n IN far | {node: n, distance: 2}] AS hit
WITH hit.node AS n, hit.distance AS distance
RETURN CASE WHEN n:Merchant THEN 'merchant' ELSE 'streamer' END AS type,
       coalesce(n.merchant_id, n.streamer_id) AS id, distance, n.verdict AS verdict,
       n.status AS status
ORDER BY distance, type, id
LIMIT $limit
