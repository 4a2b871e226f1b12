// The neighbourhood of an actor (typically a blacklisted one): merchants and streamers
// within `hops` actor hops through shared devices, accounts or promotions, not passing
// through hubs, nearest first.
// @param id string  merchant_id or streamer_id
// @param hops integer = 2  actor hops, 1 or 2
// @param max_sharing integer = 100  do not pass through devices/accounts used by more actors
// @param limit integer = 100  most rows returned
// @returns type, id, distance, verdict, status
CALL () {
  MATCH (a:Merchant {merchant_id: $id}) RETURN a
  UNION
  MATCH (a:Streamer {streamer_id: $id}) RETURN a
}
MATCH p = (a)-[:LOGGED_IN_FROM|PAID_VIA|PROMOTED*1..4]-(n)
WHERE (n:Merchant OR n:Streamer) AND n <> a
  AND all(x IN nodes(p)[1..-1] WHERE (x:Merchant OR x:Streamer)
          OR COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $max_sharing)
WITH n, min(size([x IN nodes(p)[1..] WHERE x:Merchant OR x:Streamer])) AS distance
WHERE distance <= $hops
RETURN CASE WHEN n:Merchant THEN 'merchant' ELSE 'streamer' END AS type,
       coalesce(n.merchant_id, n.streamer_id) AS id, distance, n.verdict AS verdict,
       n.status AS status
ORDER BY distance, type, id
LIMIT $limit
