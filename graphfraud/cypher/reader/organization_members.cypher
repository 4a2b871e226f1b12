// One page of memberships (merchant or streamer MEMBER_OF organisation): the members of
// the next $chunk Organizations after $after in key order, returned as one record of
// columns (lists; each membership is collected as one list, so a missing `since` keeps
// its place). `after` is the page's last key, null when there was nothing left.
MATCH (o:Organization) WHERE o.organization_id > $after
WITH o ORDER BY o.organization_id LIMIT $chunk
WITH collect(o) AS page
CALL (page) {
  UNWIND page AS o
  MATCH (n)-[r:MEMBER_OF]->(o)
  WHERE n:Merchant OR n:Streamer
  RETURN collect([o.organization_id,
                  CASE WHEN n:Merchant THEN 'merchant' ELSE 'streamer' END,
                  coalesce(n.merchant_id, n.streamer_id),
                  r.since.epochSeconds]) AS rows
}
RETURN page[-1].organization_id AS after,
       [x IN rows | x[0]] AS organization_id,
       [x IN rows | x[1]] AS entity_type,
       [x IN rows | x[2]] AS entity_id,
       [x IN rows | x[3]] AS since
