// Every entity's current verdict (export label or analyst's), as labels for a scan.
CALL () {
  MATCH (n:Merchant) WHERE n.verdict IS NOT NULL
  RETURN 'merchant' AS entity_type, n.merchant_id AS entity_id, n.verdict AS label
  UNION ALL
  MATCH (n:Streamer) WHERE n.verdict IS NOT NULL
  RETURN 'streamer' AS entity_type, n.streamer_id AS entity_id, n.verdict AS label
  UNION ALL
  MATCH (n:Device) WHERE n.verdict IS NOT NULL
  RETURN 'device' AS entity_type, n.device_id AS entity_id, n.verdict AS label
  UNION ALL
  MATCH (n:PaymentAccount) WHERE n.verdict IS NOT NULL
  RETURN 'payment_account' AS entity_type, n.account_id AS entity_id, n.verdict AS label
}
RETURN entity_type, entity_id, label
