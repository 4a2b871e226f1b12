// Everything about one merchant: its devices, payment accounts, the hosts who promote
// it, the shops it shares a (not hub-sized) device or account with, its verdict and rings.
// @param merchant_id string  the merchant's id
// @param max_sharing integer = 100  ignore devices/accounts used by more actors (hubs)
// @returns one row: merchant_id, name, status, registered_at, verdict, devices, accounts, hosts, linked_shops, rings
MATCH (m:Merchant {merchant_id: $merchant_id})
RETURN m.merchant_id AS merchant_id, m.name AS name, m.status AS status,
       toString(m.registered_at) AS registered_at, m.verdict AS verdict,
       COLLECT { MATCH (m)-[:LOGGED_IN_FROM]->(d:Device)
                 RETURN d.device_id ORDER BY d.device_id } AS devices,
       COLLECT { MATCH (m)-[:PAID_VIA]->(a:PaymentAccount)
                 RETURN a.account_id ORDER BY a.account_id } AS accounts,
       COLLECT { MATCH (s:Streamer)-[:PROMOTED]->(m)
                 RETURN s.streamer_id ORDER BY s.streamer_id } AS hosts,
       COLLECT { MATCH (m)-[:LOGGED_IN_FROM|PAID_VIA]->(x)
                 WHERE COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $max_sharing
                 MATCH (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(o:Merchant)
                 WHERE o <> m
                 RETURN DISTINCT o.merchant_id ORDER BY o.merchant_id } AS linked_shops,
       COLLECT { MATCH (r:Ring)-[:HAS_MEMBER]->(m)
                 RETURN r.ring_id ORDER BY r.ring_id } AS rings
