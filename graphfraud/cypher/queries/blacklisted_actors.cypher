// Known-fraud (blacklisted) merchants and streamers, with the source of the verdict and
// the rings they sit in.
// @param limit integer = 100  most rows returned
// @returns type, id, source, labeled_at, status, rings
CALL () {
  MATCH (m:Merchant) WHERE m.verdict = 'fraud'
  RETURN 'merchant' AS type, m.merchant_id AS id, m AS node
  UNION ALL
  MATCH (s:Streamer) WHERE s.verdict = 'fraud'
  RETURN 'streamer' AS type, s.streamer_id AS id, s AS node
}
RETURN type, id, node.verdict_source AS source, toString(node.verdict_at) AS labeled_at,
       node.status AS status,
       COLLECT { MATCH (r:Ring)-[:HAS_MEMBER]->(node) RETURN r.ring_id ORDER BY r.ring_id } AS rings
ORDER BY type, id
LIMIT $limit
