// Whether a ring exists (1) or not (0).
// $id: string
MATCH (r:Ring {ring_id: $id})
RETURN count(r) AS n
