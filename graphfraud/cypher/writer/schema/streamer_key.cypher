// Every streamer (host) is unique by streamer_id.
CREATE CONSTRAINT streamer_key IF NOT EXISTS
FOR (s:Streamer) REQUIRE s.streamer_id IS UNIQUE
