// Rows of merchant_devices.csv that left the export: remove those links.
// $rows: list of {merchant_id, device_id}
UNWIND $rows AS row
MATCH (:Merchant {merchant_id: row.merchant_id})-[r:LOGGED_IN_FROM]->(:Device {device_id: row.device_id})
DELETE r
