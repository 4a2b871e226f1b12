// Streamers declared as members of an organisation (organization_members.csv).
// The organisation exists (the loader rejects rows naming an unknown one); a host the
// graph does not hold (no streamers.csv, no link, no label) is not created: a
// declaration does not make an actor.
// $rows: list of {organization_id, entity_id, since}
UNWIND $rows AS row
MATCH (o:Organization {organization_id: row.organization_id})
MATCH (n:Streamer {streamer_id: row.entity_id})
MERGE (n)-[r:MEMBER_OF]->(o)
SET r.since = datetime(row.since)
