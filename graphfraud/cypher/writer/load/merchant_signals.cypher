// Behaviour aggregates over the scan window, kept on the merchant.
// $rows: list of {merchant_id, orders, refunds, complaints, violations}
UNWIND $rows AS row
MATCH (m:Merchant {merchant_id: row.merchant_id})
SET m.orders = row.orders,
    m.refunds = row.refunds,
    m.complaints = row.complaints,
    m.violations = row.violations
