// One page of payment accounts with what the report says of a hub (kind, bank): the next
// $chunk PaymentAccounts after $after in key order (an index seek on the key), returned
// as one record of columns (lists). `after` is the page's last key, null when there was
// nothing left; the reader loops until then. Missing properties stay null in their place.
MATCH (a:PaymentAccount) WHERE a.account_id > $after
WITH a ORDER BY a.account_id LIMIT $chunk
WITH collect(a) AS page
RETURN page[-1].account_id AS after,
       [a IN page | a.account_id] AS account_id,
       [a IN page | a.kind] AS kind,
       [a IN page | a.bank] AS bank
