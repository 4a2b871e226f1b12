// Upsert device fingerprints.
// $rows: list of {device_id, model, os}
UNWIND $rows AS row
MERGE (d:Device {device_id: row.device_id})
SET d.model = coalesce(row.model, d.model),
    d.os = coalesce(row.os, d.os)
