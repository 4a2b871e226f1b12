// Hub devices and payment accounts: shared by more than min_actors actors, with how many
// merchants and streamers use each (internet cafes, office PCs, payment aggregators).
// `actors` and `streamers` are kept on each device and account by the loader (`actors`
// indexed), so only the hubs themselves are visited.
// @param min_actors integer = 50  report identifiers used by more actors than this
// @param limit integer = 50  most rows returned
// @returns type, id, actors, merchants, streamers
CALL () {
  MATCH (x:Device) WHERE x.actors > $min_actors
  RETURN 'device' AS type, x.device_id AS id, x.actors AS actors, x.streamers AS streamers
  UNION ALL
  MATCH (x:PaymentAccount) WHERE x.actors > $min_actors
  RETURN 'payment_account' AS type, x.account_id AS id, x.actors AS actors,
         x.streamers AS streamers
}
WITH type, id, actors, coalesce(streamers, 0) AS streamers
RETURN type, id, actors, actors - streamers AS merchants, streamers
ORDER BY actors DESC, type, id
LIMIT $limit
