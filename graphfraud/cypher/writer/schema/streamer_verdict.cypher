// Known-fraud and cleared streamers are looked up by verdict.
CREATE INDEX streamer_verdict IF NOT EXISTS
FOR (s:Streamer) ON (s.verdict)
