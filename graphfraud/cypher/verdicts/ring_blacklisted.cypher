// The members of a ring whose standing label is fraud: a dismissal would clear them.
// $ring_id: string
MATCH (:Ring {ring_id: $ring_id})-[:HAS_MEMBER]->(m) WHERE m.verdict = 'fraud'
WITH coalesce(m.merchant_id, m.streamer_id) AS id, m.verdict_source AS source
ORDER BY id
RETURN count(id) AS n,
       collect(id + CASE WHEN source IS NULL THEN '' ELSE ' (' + source + ')' END)[..5] AS some
