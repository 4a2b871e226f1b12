// Known verdicts about streamers (fraud or legit).
MATCH (n:Streamer) WHERE n.verdict IS NOT NULL
RETURN n.streamer_id AS entity_id, n.verdict AS label
