// Known verdicts about devices (fraud or legit).
MATCH (n:Device) WHERE n.verdict IS NOT NULL
RETURN n.device_id AS entity_id, n.verdict AS label
