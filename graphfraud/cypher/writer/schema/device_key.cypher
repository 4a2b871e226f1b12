// Every device fingerprint is unique by device_id.
CREATE CONSTRAINT device_key IF NOT EXISTS
FOR (d:Device) REQUIRE d.device_id IS UNIQUE
