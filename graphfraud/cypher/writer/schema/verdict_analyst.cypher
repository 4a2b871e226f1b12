// The analysts who decided something (the case queue's filter lists them).
CREATE INDEX verdict_analyst IF NOT EXISTS
FOR (v:Verdict) ON (v.analyst)
