// Rows of merchant_accounts.csv that left the export: remove those links.
// $rows: list of {merchant_id, account_id}
UNWIND $rows AS row
MATCH (:Merchant {merchant_id: row.merchant_id})-[r:PAID_VIA]->(:PaymentAccount {account_id: row.account_id})
DELETE r
