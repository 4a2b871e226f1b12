// Known verdicts about payment accounts (fraud or legit).
MATCH (n:PaymentAccount) WHERE n.verdict IS NOT NULL
RETURN n.account_id AS entity_id, n.verdict AS label
