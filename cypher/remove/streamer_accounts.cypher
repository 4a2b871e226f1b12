// Rows of streamer_accounts.csv that left the export: remove those links.
// $rows: list of {streamer_id, account_id}
UNWIND $rows AS row
MATCH (:Streamer {streamer_id: row.streamer_id})-[r:PAID_VIA]->(:PaymentAccount {account_id: row.account_id})
DELETE r
