// What changed between the latest complete run and the one before: rings that are new,
// gone, grown or shrunk (member count), or whose risk changed.
// @param limit integer = 100  most rows returned
// @returns ring_id, change, risk, previous_risk, members, previous_members
MATCH (run:Run {complete: true})
WITH run ORDER BY run.generated_at DESC, run.run_id DESC LIMIT 2
WITH collect(run) AS runs
WITH runs[0] AS latest, runs[1] AS previous
CALL (latest, previous) {
  MATCH (latest)-[f:FOUND]->(r:Ring)
  OPTIONAL MATCH (previous)-[pf:FOUND]->(r)
  RETURN r.ring_id AS ring_id, f.risk AS risk, pf.risk AS previous_risk,
         f.members AS members, pf.members AS previous_members
  UNION
  MATCH (previous)-[pf:FOUND]->(r:Ring)
  WHERE NOT (latest)-[:FOUND]->(r)
  RETURN r.ring_id AS ring_id, null AS risk, pf.risk AS previous_risk,
         null AS members, pf.members AS previous_members
}
WITH ring_id, risk, previous_risk, members, previous_members,
     CASE WHEN previous_risk IS NULL THEN 'new'
          WHEN risk IS NULL THEN 'gone'
          WHEN members > previous_members THEN 'grown'
          WHEN members < previous_members THEN 'shrunk'
          WHEN risk <> previous_risk THEN 'risk changed'
          ELSE 'unchanged' END AS change
WHERE change <> 'unchanged'
RETURN ring_id, change, risk, previous_risk, members, previous_members
ORDER BY change, ring_id
LIMIT $limit
