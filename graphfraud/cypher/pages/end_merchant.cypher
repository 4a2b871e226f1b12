// Where one page of a side-by-side read of Merchants ends: the key of the $chunk-th Merchant
// after $after in key order (an ordered seek on the key's index), no record when fewer
// are left; with $verdicts, counting only the nodes that carry a verdict (the pages of
// the verdicts statement). graphfraud.store.pages asks for one page end at a time,
// so the driver holds only page ends; each Spark task then reads one page through the
// paged statement of cypher/reader (after the previous end, $chunk owners).
MATCH (n:Merchant) WHERE n.merchant_id > $after AND (NOT $verdicts OR n.verdict IS NOT NULL)
WITH n.merchant_id AS key ORDER BY key SKIP $chunk - 1 LIMIT 1
RETURN key
