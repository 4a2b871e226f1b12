// One page of declared organisations: the next $chunk Organizations after $after in key
// order (an index seek on the key), returned as one record of columns (lists). `after`
// is the page's last key, null when there was nothing left; the reader loops until then.
// Missing properties stay null in their place (list comprehensions keep nulls).
MATCH (o:Organization) WHERE o.organization_id > $after
WITH o ORDER BY o.organization_id LIMIT $chunk
WITH collect(o) AS page
RETURN page[-1].organization_id AS after,
       [o IN page | o.organization_id] AS organization_id,
       [o IN page | o.kind] AS kind,
       [o IN page | o.name] AS name,
       [o IN page | o.verified] AS verified
