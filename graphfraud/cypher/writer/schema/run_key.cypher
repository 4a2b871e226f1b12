// A scan run is unique by run_id.
CREATE CONSTRAINT run_key IF NOT EXISTS
FOR (r:Run) REQUIRE r.run_id IS UNIQUE
