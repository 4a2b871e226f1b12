// Merchants whose row left merchant_signals.csv: forget the signals.
// $rows: list of {merchant_id}
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
REMOVE m.orders, m.refunds, m.complaints, m.violations
