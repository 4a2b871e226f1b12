// A detected ring is unique by ring_id.
CREATE CONSTRAINT ring_key IF NOT EXISTS
FOR (r:Ring) REQUIRE r.ring_id IS UNIQUE
