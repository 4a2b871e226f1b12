// Every payment account is unique by account_id.
CREATE CONSTRAINT payment_account_key IF NOT EXISTS
FOR (a:PaymentAccount) REQUIRE a.account_id IS UNIQUE
