// What each ring of a run sells, kept on the run's FOUND relationship (the case queue
// sorts by it): gmv, the GMV hosts sold of its merchant members' goods (promotions'
// gmv; 0.0 when none is known); and its members' names on the ring (member_names, what
// the queue's search by name looks up). Run after the members are linked.
// $run_id: string
MATCH (:Run {run_id: $run_id})-[f:FOUND]->(r:Ring)
SET f.gmv = reduce(total = 0.0, g IN COLLECT {
                     MATCH (r)-[:HAS_MEMBER]->(:Merchant)<-[p:PROMOTED]-()
                     RETURN p.gmv } | total + coalesce(g, 0.0))
SET r.member_names = COLLECT { MATCH (r)-[:HAS_MEMBER]->(m)
                               WHERE m.name IS NOT NULL RETURN DISTINCT m.name }
