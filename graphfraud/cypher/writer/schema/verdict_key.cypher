// An analyst's verdict is unique by verdict_id; verdicts are created, never changed.
CREATE CONSTRAINT verdict_key IF NOT EXISTS
FOR (v:Verdict) REQUIRE v.verdict_id IS UNIQUE
