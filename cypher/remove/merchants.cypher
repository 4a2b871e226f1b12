// Merchants that left the export (incremental batch): remove them and their links.
// Rings and verdicts keep their own record of the ids.
// $rows: list of {merchant_id}
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
DETACH DELETE m
