// Ban evasion: banned merchants whose phone or payment account was reused by a shop that
// registered later (at least min_gap_days later) and is not banned itself.
// Banned merchants come from the (status, merchant_id) index in id order, so the query
// stops once it has `limit` rows instead of sorting every chain.
// @param min_gap_days integer = 0  the later shop registered at least this many days after
// @param max_sharing integer = 100  ignore devices/accounts used by more actors
// @param limit integer = 50  most rows returned
// @returns banned, banned_registered, later_shop, later_registered, via_type, via
MATCH (b:Merchant) WHERE b.status = 'banned' AND b.merchant_id IS NOT NULL
WITH b ORDER BY b.merchant_id
MATCH (b)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
WHERE x.actors <= $max_sharing
MATCH (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(m:Merchant)
WHERE m.status <> 'banned'
  AND m.registered_at >= b.registered_at + duration({days: $min_gap_days})
  AND m <> b
RETURN b.merchant_id AS banned, toString(b.registered_at) AS banned_registered,
       m.merchant_id AS later_shop, toString(m.registered_at) AS later_registered,
       CASE WHEN x:Device THEN 'device' ELSE 'payment_account' END AS via_type,
       coalesce(x.device_id, x.account_id) AS via
ORDER BY banned, later_shop, via
LIMIT $limit
