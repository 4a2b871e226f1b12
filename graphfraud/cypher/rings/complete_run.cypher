// Mark a run complete: the last statement of the write-back transaction.
// $run_id: string
MATCH (r:Run {run_id: $run_id})
SET r.complete = true
