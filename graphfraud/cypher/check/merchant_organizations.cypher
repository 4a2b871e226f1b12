// Onboarding check: the declared organisations the checked merchant belongs to (none
// for a merchant the graph does not hold, a new one).
// $id: string
MATCH (:Merchant {merchant_id: $id})-[:MEMBER_OF]->(o:Organization)
RETURN o.organization_id AS organization_id, o.name AS name, o.kind AS kind,
       o.verified AS verified
ORDER BY organization_id
