// Every streamer with its registration time (epoch seconds).
MATCH (s:Streamer)
RETURN s.streamer_id AS streamer_id, s.registered_at.epochSeconds AS registered_at
