// Upsert settlement / withdrawal accounts.
// $rows: list of {account_id, kind, bank}
UNWIND $rows AS row
MERGE (a:PaymentAccount {account_id: row.account_id})
SET a.kind = coalesce(row.kind, a.kind),
    a.bank = coalesce(row.bank, a.bank)
