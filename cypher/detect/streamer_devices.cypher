// Streamer-device login links.
MATCH (s:Streamer)-[:LOGGED_IN_FROM]->(d:Device)
RETURN s.streamer_id AS streamer_id, d.device_id AS device_id
