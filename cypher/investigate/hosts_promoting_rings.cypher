// Hosts (streamers) who promote the merchants of rings, and which rings.
// @param min_score float = 0.5  only rings scored at least this
// @param limit integer = 50  most rows returned
// @returns streamer_id, name, ring_count, rings, shops, orders
MATCH (r:Ring)-[:HAS_MEMBER]->(m:Merchant)<-[p:PROMOTED]-(s:Streamer)
WHERE r.score >= $min_score
WITH s, collect(DISTINCT r.ring_id) AS rings, count(DISTINCT m) AS shops,
     sum(coalesce(p.orders, 0)) AS orders
RETURN s.streamer_id AS streamer_id, s.name AS name, size(rings) AS ring_count,
       rings, shops, orders
ORDER BY ring_count DESC, shops DESC, streamer_id
LIMIT $limit
