// Verdict history of one ring or entity, newest first.
CREATE INDEX verdict_target IF NOT EXISTS
FOR (v:Verdict) ON (v.target_type, v.target_id)
