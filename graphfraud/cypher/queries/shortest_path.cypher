// The shortest chain between two actors (merchants or streamers) through shared devices
// and payment accounts, at most 4 actor hops, avoiding hub identifiers.
// @param from_id string  merchant_id or streamer_id of one actor
// @param to_id string  merchant_id or streamer_id of the other
// @param max_sharing integer = 100  do not pass through devices/accounts used by more actors
// @returns actor_hops, path (list of type:id from one actor to the other)
CALL () {
  MATCH (a:Merchant {merchant_id: $from_id}) RETURN a
  UNION
  MATCH (a:Streamer {streamer_id: $from_id}) RETURN a
}
CALL () {
  MATCH (b:Merchant {merchant_id: $to_id}) RETURN b
  UNION
  MATCH (b:Streamer {streamer_id: $to_id}) RETURN b
}
MATCH p = shortestPath((a)-[:LOGGED_IN_FROM|PAID_VIA*..8]-(b))
WHERE all(x IN nodes(p)[1..-1] WHERE
          (x:Merchant OR x:Streamer) OR COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $max_sharing)
RETURN length(p) / 2 AS actor_hops,
       [n IN nodes(p) | CASE WHEN n:Merchant THEN 'merchant:' + n.merchant_id
                             WHEN n:Streamer THEN 'streamer:' + n.streamer_id
                             WHEN n:Device THEN 'device:' + n.device_id
                             ELSE 'payment_account:' + n.account_id END] AS path
