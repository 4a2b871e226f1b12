// Start a scan run; it is marked complete only by write/complete_run, in the same
// transaction as its rings, so readers never see a half-written run as complete.
// $run: {run_id, generated_at, source, params (JSON text), summary (JSON text)}
MERGE (r:Run {run_id: $run.run_id})
SET r.generated_at = datetime($run.generated_at),
    r.source = $run.source,
    r.params = $run.params,
    r.summary = $run.summary,
    r.complete = false
