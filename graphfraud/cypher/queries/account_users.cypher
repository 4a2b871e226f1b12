// Who is paid through one payment account, in which roles, and their verdicts.
// @param account_id string  the account
// @param limit integer = 100  most rows returned
// @returns type, id, roles, first_seen, verdict, status
MATCH (acc:PaymentAccount {account_id: $account_id})<-[p:PAID_VIA]-(a)
RETURN CASE WHEN a:Merchant THEN 'merchant' ELSE 'streamer' END AS type,
       coalesce(a.merchant_id, a.streamer_id) AS id, p.roles AS roles,
       toString(p.first_seen) AS first_seen, a.verdict AS verdict, a.status AS status
ORDER BY type, id
LIMIT $limit
