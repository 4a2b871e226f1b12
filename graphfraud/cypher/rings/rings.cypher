// Upsert the run's rings (stable ring_id across runs) and link them to the run; each
// ring carries its risk as a label (HighRisk, MediumRisk or LowRisk) as well.
// The FOUND relationship also keeps what changed since the previous complete run, read
// from the ring as that run left it before it is overwritten: change (new, grown,
// shrunk, risk changed or unchanged, as run_changes words it), previous_run_id,
// previous_risk, previous_members, joined and left (member keys; null for a ring the
// previous run did not find), and the batch's alert reason (alert, null when none). The
// ring keeps when it last changed (changed_at) and its member count (members).
// $run_id: string; $rings: list of {ring_id, ring (the Ring's properties: ring_id, score,
// risk, pattern, known_fraud, known_legit, evidence), found (the FOUND relationship's:
// score, risk, members (how many)), members (its "type:id" keys), alert (string or
// null)}; the properties are the fields' Neo4j columns in graphfraud/report/fields.py.
MATCH (run:Run {run_id: $run_id})
OPTIONAL MATCH (p:Run {complete: true}) WHERE p.run_id <> $run_id
WITH run, p ORDER BY p.generated_at DESC, p.run_id DESC LIMIT 1
UNWIND $rings AS row
MERGE (r:Ring {ring_id: row.ring_id})
WITH run, p, row, r, coalesce(r.run_id = p.run_id, false) AS was_found,
     r.risk AS was_risk, coalesce(r.members, COUNT { (r)-[:HAS_MEMBER]->() }) AS was_members
WITH run, p, row, r, was_found, was_risk, was_members,
     CASE WHEN NOT was_found THEN []
          ELSE COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)
                         RETURN CASE WHEN m:Merchant THEN 'merchant:' + m.merchant_id
                                     ELSE 'streamer:' + m.streamer_id END } END AS before,
     CASE WHEN NOT was_found THEN 'new'
          WHEN row.found.members > was_members THEN 'grown'
          WHEN row.found.members < was_members THEN 'shrunk'
          WHEN row.ring.risk <> was_risk THEN 'risk changed'
          ELSE 'unchanged' END AS change
SET r += row.ring, r.run_id = $run_id, r.members = row.found.members,
    r.changed_at = CASE WHEN change = 'unchanged' THEN r.changed_at
                        ELSE run.generated_at END
// The risk as a label too, so Neo4j Browser can colour rings by it (a style by label);
// relabelled only when the risk changed.
FOREACH (_ IN CASE WHEN row.ring.risk = 'high' AND NOT r:HighRisk THEN [1] ELSE [] END |
         REMOVE r:MediumRisk:LowRisk SET r:HighRisk)
FOREACH (_ IN CASE WHEN row.ring.risk = 'medium' AND NOT r:MediumRisk THEN [1] ELSE [] END |
         REMOVE r:HighRisk:LowRisk SET r:MediumRisk)
FOREACH (_ IN CASE WHEN row.ring.risk = 'low' AND NOT r:LowRisk THEN [1] ELSE [] END |
         REMOVE r:HighRisk:MediumRisk SET r:LowRisk)
MERGE (run)-[f:FOUND]->(r)
SET f += row.found, f.alert = row.alert, f.change = change,
    f.previous_run_id = p.run_id,
    f.previous_risk = CASE WHEN was_found THEN was_risk END,
    f.previous_members = CASE WHEN was_found THEN was_members END,
    f.joined = CASE WHEN was_found THEN [k IN row.members WHERE NOT k IN before] END,
    f.left = CASE WHEN was_found THEN [k IN before WHERE NOT k IN row.members] END
