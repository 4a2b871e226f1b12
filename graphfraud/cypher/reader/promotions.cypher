// One page of promotion links (streamer promoted merchant) with what the report shows of
// them (sessions, orders, GMV): the next $chunk Streamers after $after in key order
// (an index seek on the key, so every page costs the same), returned as one record of
// columns (lists) rather than one record per row. Each link is collected as one list,
// so a missing measure keeps its place as null. `after` is the page's last key, null
// when there was nothing left; the reader loops until then.
MATCH (s:Streamer) WHERE s.streamer_id > $after
WITH s ORDER BY s.streamer_id LIMIT $chunk
WITH collect(s) AS page
CALL (page) {
  UNWIND page AS s
  MATCH (s)-[r:PROMOTED]->(m:Merchant)
  RETURN collect([s.streamer_id, m.merchant_id, r.sessions, r.orders, r.gmv]) AS rows
}
RETURN page[-1].streamer_id AS after,
       [x IN rows | x[0]] AS streamer_id,
       [x IN rows | x[1]] AS merchant_id,
       [x IN rows | x[2]] AS sessions,
       [x IN rows | x[3]] AS orders,
       [x IN rows | x[4]] AS gmv
