// Hosts (streamers) who promote the merchants of rings, and which rings; hosts whose
// promotions go mostly to ring shops first (a popular host who also sold a few ring
// shops' goods ranks below one who works almost only for rings).
// @param min_score float = 0.5  only rings scored at least this
// @param limit integer = 50  most rows returned
// @returns streamer_id, name, ring_shops, promoted_shops, ring_share, ring_count, rings, orders
MATCH (r:Ring)-[:HAS_MEMBER]->(m:Merchant)<-[p:PROMOTED]-(s:Streamer)
WHERE r.score >= $min_score
WITH s, collect(DISTINCT r.ring_id) AS rings, count(DISTINCT m) AS ring_shops,
     sum(coalesce(p.orders, 0)) AS orders
WITH s, rings, ring_shops, orders, COUNT { (s)-[:PROMOTED]->() } AS promoted_shops
RETURN s.streamer_id AS streamer_id, s.name AS name, ring_shops, promoted_shops,
       round(toFloat(ring_shops) / promoted_shops, 3) AS ring_share, size(rings) AS ring_count,
       rings, orders
ORDER BY ring_share DESC, ring_shops DESC, streamer_id
LIMIT $limit
