// Upsert merchants. A value missing from the export keeps the stored one.
// $rows: list of {merchant_id, name, registered_at, category, status}
UNWIND $rows AS row
MERGE (m:Merchant {merchant_id: row.merchant_id})
SET m.name = coalesce(row.name, m.name),
    m.registered_at = coalesce(datetime(row.registered_at), m.registered_at),
    m.category = coalesce(row.category, m.category),
    m.status = coalesce(row.status, m.status)
