// Payment accounts that left payment_accounts.csv: forget their attributes; the node
// stays while links use it.
// $rows: list of {account_id}
UNWIND $rows AS row
MATCH (a:PaymentAccount {account_id: row.account_id})
REMOVE a.kind, a.bank
