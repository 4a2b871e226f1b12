// Upsert the run's rings (stable ring_id across runs) and link them to the run.
// $run_id: string; $rings: list of {ring_id, score, risk, pattern, evidence, known_fraud,
// known_legit, members (how many)}
MATCH (run:Run {run_id: $run_id})
UNWIND $rings AS row
MERGE (r:Ring {ring_id: row.ring_id})
SET r.score = row.score, r.risk = row.risk, r.pattern = row.pattern,
    r.evidence = row.evidence, r.known_fraud = row.known_fraud,
    r.known_legit = row.known_legit, r.run_id = $run_id
MERGE (run)-[f:FOUND]->(r)
SET f.score = row.score, f.risk = row.risk, f.members = row.members
