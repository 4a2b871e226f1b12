// Rings whose latest verdict is a dismissal or a confirmation, with the members they
// had then (alerts compare the ring of today with this snapshot).
MATCH (r:Ring) WHERE r.verdict IS NOT NULL
RETURN r.ring_id AS ring_id, r.verdict AS decision, toString(r.verdict_at) AS at,
       r.verdict_members AS members
