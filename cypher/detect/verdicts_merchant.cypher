// Known verdicts about merchants (fraud or legit).
MATCH (n:Merchant) WHERE n.verdict IS NOT NULL
RETURN n.merchant_id AS entity_id, n.verdict AS label
