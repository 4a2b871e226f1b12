// Which shops share a device or payment account with a given shop, and through what.
// Hubs (identifiers used by more than max_sharing actors) are left out.
// @param merchant_id string  the shop
// @param max_sharing integer = 100  ignore devices/accounts used by more actors
// @param limit integer = 50  most rows returned
// @returns merchant_id, status, verdict, shared (how many identifiers), through (type:id list)
MATCH (m:Merchant {merchant_id: $merchant_id})-[:LOGGED_IN_FROM|PAID_VIA]->(x)
WHERE COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } <= $max_sharing
MATCH (x)<-[:LOGGED_IN_FROM|PAID_VIA]-(o:Merchant)
WHERE o <> m
WITH o, collect(DISTINCT CASE WHEN x:Device THEN 'device:' + x.device_id
                              ELSE 'payment_account:' + x.account_id END) AS through
RETURN o.merchant_id AS merchant_id, o.status AS status, o.verdict AS verdict,
       size(through) AS shared, through
ORDER BY shared DESC, merchant_id
LIMIT $limit
