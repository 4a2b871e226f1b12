// One page of merchants with what the scan and its report need (name, category, registration
// as epoch seconds, status, signals): the next $chunk Merchants after $after in key order
// (an index seek on the key, so every page costs the same), returned as one record of
// columns (lists) rather than one record per row. `after` is the page's last key, null
// when there was nothing left; the reader loops until then.
// Missing properties stay null in their place (list comprehensions keep nulls).
MATCH (m:Merchant) WHERE m.merchant_id > $after
WITH m ORDER BY m.merchant_id LIMIT $chunk
WITH collect(m) AS page
RETURN page[-1].merchant_id AS after,
       [m IN page | m.merchant_id] AS merchant_id,
       [m IN page | m.name] AS name,
       [m IN page | m.category] AS category,
       [m IN page | m.registered_at.epochSeconds] AS registered_at,
       [m IN page | m.status] AS status,
       [m IN page | m.orders] AS orders,
       [m IN page | m.refunds] AS refunds,
       [m IN page | m.complaints] AS complaints,
       [m IN page | m.violations] AS violations
