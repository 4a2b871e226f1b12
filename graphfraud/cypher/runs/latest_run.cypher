// The latest complete batch run: the export it processed and the load state it left.
MATCH (r:Run {complete: true}) WHERE r.export_digest IS NOT NULL
RETURN r.run_id AS run_id, r.export_digest AS export_digest, r.state_id AS state_id,
       r.run_dir AS run_dir, toString(r.generated_at) AS generated_at
ORDER BY r.generated_at DESC, r.run_id DESC
LIMIT 1
