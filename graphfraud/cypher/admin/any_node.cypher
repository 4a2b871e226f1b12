// Whether the database holds any node at all (the bulk import refuses to replace one).
MATCH (n) RETURN n LIMIT 1
