// Upsert the run's rings (stable ring_id across runs) and link them to the run; each
// ring carries its risk as a label (HighRisk, MediumRisk or LowRisk) as well.
// $run_id: string; $rings: list of {ring_id, score, risk, pattern, evidence, known_fraud,
// known_legit, members (how many)}
MATCH (run:Run {run_id: $run_id})
UNWIND $rings AS row
MERGE (r:Ring {ring_id: row.ring_id})
SET r.score = row.score, r.risk = row.risk, r.pattern = row.pattern,
    r.evidence = row.evidence, r.known_fraud = row.known_fraud,
    r.known_legit = row.known_legit, r.run_id = $run_id
// The risk as a label too, so Neo4j Browser can colour rings by it (a style by label);
// relabelled only when the risk changed.
FOREACH (_ IN CASE WHEN row.risk = 'high' AND NOT r:HighRisk THEN [1] ELSE [] END |
         REMOVE r:MediumRisk:LowRisk SET r:HighRisk)
FOREACH (_ IN CASE WHEN row.risk = 'medium' AND NOT r:MediumRisk THEN [1] ELSE [] END |
         REMOVE r:HighRisk:LowRisk SET r:MediumRisk)
FOREACH (_ IN CASE WHEN row.risk = 'low' AND NOT r:LowRisk THEN [1] ELSE [] END |
         REMOVE r:HighRisk:MediumRisk SET r:LowRisk)
MERGE (run)-[f:FOUND]->(r)
SET f.score = row.score, f.risk = row.risk, f.members = row.members
