// Hub devices and payment accounts: shared by more than min_actors actors, with how many
// merchants and streamers use each (internet cafes, office PCs, payment aggregators).
// `actors` is kept on each device and account by the loader (indexed), so only the hubs
// themselves are visited.
// @param min_actors integer = 50  report identifiers used by more actors than this
// @param limit integer = 50  most rows returned
// @returns type, id, actors, merchants, streamers
CALL () {
  MATCH (x:Device) WHERE x.actors > $min_actors
  RETURN 'device' AS type, x.device_id AS id, x AS node, x.actors AS actors
  UNION ALL
  MATCH (x:PaymentAccount) WHERE x.actors > $min_actors
  RETURN 'payment_account' AS type, x.account_id AS id, x AS node, x.actors AS actors
}
RETURN type, id, actors,
       COUNT { (node)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Merchant) } AS merchants,
       COUNT { (node)<-[:LOGGED_IN_FROM|PAID_VIA]-(:Streamer) } AS streamers
ORDER BY actors DESC, type, id
LIMIT $limit
