// The analysts cases were assigned to (the case queue's filter lists them).
CREATE INDEX verdict_assignee IF NOT EXISTS
FOR (v:Verdict) ON (v.assignee)
