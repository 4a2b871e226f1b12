// Every declared organisation is unique by organization_id.
CREATE CONSTRAINT organization_key IF NOT EXISTS
FOR (o:Organization) REQUIRE o.organization_id IS UNIQUE
