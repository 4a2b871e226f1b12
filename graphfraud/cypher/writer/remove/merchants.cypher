// Merchants that left the export (incremental batch): remove them and their links.
// Rings and verdicts keep their own record of the ids.
// The `actors` of the devices and accounts they used are recounted.
// $rows: list of {merchant_id}
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
WITH m, [(m)-[:LOGGED_IN_FROM|PAID_VIA]->(x) | x] AS identifiers
DETACH DELETE m
WITH identifiers
UNWIND identifiers AS x
WITH DISTINCT x
WITH x, COUNT { (x)<-[:LOGGED_IN_FROM|PAID_VIA]-() } AS actors
SET x.actors = CASE WHEN actors > 0 THEN actors END
