// One page of merchant-account payment links: the next $chunk Merchants after $after in key order
// (an index seek on the key, so every page costs the same), returned as one record of
// columns (lists) rather than one record per row. `after` is the page's last key, null
// when there was nothing left; the reader loops until then.
MATCH (m:Merchant) WHERE m.merchant_id > $after
WITH m ORDER BY m.merchant_id LIMIT $chunk
WITH collect(m) AS page
CALL (page) {
  UNWIND page AS m
  MATCH (m)-[:PAID_VIA]->(a:PaymentAccount)
  RETURN collect(m.merchant_id) AS merchant_id, collect(a.account_id) AS account_id
}
RETURN page[-1].merchant_id AS after, merchant_id, account_id
