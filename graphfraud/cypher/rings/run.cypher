// Start a scan run; it is marked complete only by write/complete_run, in the same
// transaction as its rings, so readers never see a half-written run as complete.
// $run: {run_id, generated_at, source, params (JSON text), summary (JSON text),
//        export_digest, state_id, run_dir (set by graphfraud batch, null otherwise)}
MERGE (r:Run {run_id: $run.run_id})
SET r.generated_at = datetime($run.generated_at),
    r.source = $run.source,
    r.params = $run.params,
    r.summary = $run.summary,
    r.export_digest = $run.export_digest,
    r.state_id = $run.state_id,
    r.run_dir = $run.run_dir,
    r.complete = false
