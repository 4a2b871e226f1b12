// Upsert the run's rings (stable ring_id across runs) and link them to the run; each
// ring carries its risk as a label (HighRisk, MediumRisk or LowRisk) as well.
// $run_id: string; $rings: list of {ring_id, ring (the Ring's properties: ring_id, score,
// risk, pattern, known_fraud, known_legit, evidence), found (the FOUND relationship's:
// score, risk, members (how many))}; the properties are the fields' Neo4j columns in
// graphfraud/report/fields.py.
MATCH (run:Run {run_id: $run_id})
UNWIND $rings AS row
MERGE (r:Ring {ring_id: row.ring_id})
SET r += row.ring, r.run_id = $run_id
// The risk as a label too, so Neo4j Browser can colour rings by it (a style by label);
// relabelled only when the risk changed.
FOREACH (_ IN CASE WHEN row.ring.risk = 'high' AND NOT r:HighRisk THEN [1] ELSE [] END |
         REMOVE r:MediumRisk:LowRisk SET r:HighRisk)
FOREACH (_ IN CASE WHEN row.ring.risk = 'medium' AND NOT r:MediumRisk THEN [1] ELSE [] END |
         REMOVE r:HighRisk:LowRisk SET r:MediumRisk)
FOREACH (_ IN CASE WHEN row.ring.risk = 'low' AND NOT r:LowRisk THEN [1] ELSE [] END |
         REMOVE r:HighRisk:MediumRisk SET r:LowRisk)
MERGE (run)-[f:FOUND]->(r)
SET f += row.found
