// Rows of organization_members.csv about merchants that left the export: remove those
// memberships.
// $rows: list of {organization_id, entity_id}
UNWIND $rows AS row
MATCH (:Merchant {merchant_id: row.entity_id})-[r:MEMBER_OF]->(:Organization {organization_id: row.organization_id})
DELETE r
