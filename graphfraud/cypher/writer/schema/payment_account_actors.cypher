// Hub and sharing queries pick payment accounts by how many actors use them.
CREATE INDEX payment_account_actors IF NOT EXISTS
FOR (a:PaymentAccount) ON (a.actors)
