// New merchants (registered within `days` days before `as_of`) that share a device or
// account with a blacklisted actor, use a blacklisted device/account, or sit in a high ring.
// Newest first from the registered_at index: the query stops once it has `limit` rows.
// @param days integer = 30  how new: registered within this many days
// @param as_of string = ""  ISO 8601 end of the window; empty means now
// @param max_sharing integer = 100  ignore devices/accounts used by more actors
// @param limit integer = 50  most rows returned
// @returns merchant_id, registered_at, blacklisted_links, blacklisted_identifiers, high_rings
WITH CASE WHEN $as_of = '' THEN datetime() ELSE datetime($as_of) END AS now
MATCH (m:Merchant)
WHERE m.registered_at >= now - duration({days: $days}) AND m.registered_at <= now
WITH m ORDER BY m.registered_at DESC, m.merchant_id
WITH m,
     COLLECT { MATCH (m)-[:LOGGED_IN_FROM|PAID_VIA]->(x)<-[:LOGGED_IN_FROM|PAID_VIA]-(f)
               WHERE f <> m AND f.verdict = 'fraud'
                 AND x.actors <= $max_sharing
               RETURN DISTINCT coalesce(f.merchant_id, f.streamer_id) } AS blacklisted_links,
     COLLECT { MATCH (m)-[:LOGGED_IN_FROM|PAID_VIA]->(x) WHERE x.verdict = 'fraud'
               RETURN coalesce(x.device_id, x.account_id) } AS blacklisted_identifiers,
     COLLECT { MATCH (r:Ring)-[:HAS_MEMBER]->(m) WHERE r.risk = 'high'
               RETURN r.ring_id } AS high_rings
WHERE size(blacklisted_links) > 0 OR size(blacklisted_identifiers) > 0 OR size(high_rings) > 0
RETURN m.merchant_id AS merchant_id, toString(m.registered_at) AS registered_at,
       blacklisted_links, blacklisted_identifiers, high_rings
ORDER BY m.registered_at DESC, merchant_id
LIMIT $limit
