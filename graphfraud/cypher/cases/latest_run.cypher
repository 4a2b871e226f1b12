// The latest complete run (any scan or batch that wrote its rings back) and the
// complete run before it: what the case queue covers and compares with.
MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 2
WITH collect(run) AS runs
WITH runs[0] AS latest, runs[1] AS previous WHERE latest IS NOT NULL
RETURN latest.run_id AS run_id, toString(latest.generated_at) AS generated_at,
       previous.run_id AS previous_run_id
