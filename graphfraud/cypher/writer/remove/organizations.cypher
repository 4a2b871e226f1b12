// Organisations that left organizations.csv: remove them and their memberships (a
// membership of an undeclared organisation is rejected by the loader).
// $rows: list of {organization_id}
UNWIND $rows AS row
MATCH (o:Organization {organization_id: row.organization_id})
DETACH DELETE o
