// Every merchant with what the scan needs: registration, status, signals.
// Returns one row per merchant; timestamps as epoch seconds.
MATCH (m:Merchant)
RETURN m.merchant_id AS merchant_id,
       m.registered_at.epochSeconds AS registered_at,
       m.status AS status,
       m.orders AS orders, m.refunds AS refunds,
       m.complaints AS complaints, m.violations AS violations
