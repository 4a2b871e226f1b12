// Rings written back before rings carried `member_names` (what the case queue's search
// by name looks up): fill it once, when the `ring_member_names` index is first created.
MATCH (r:Ring) WHERE r.member_names IS NULL
CALL (r) {
  SET r.member_names = COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)
                                 WHERE m.name IS NOT NULL RETURN DISTINCT m.name }
} IN TRANSACTIONS OF 10000 ROWS
