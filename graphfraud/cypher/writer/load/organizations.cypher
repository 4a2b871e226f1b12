// Upsert declared organisations (MCN agencies, franchises, shop-operation agencies,
// enterprises registered with the platform). A value missing from the export keeps the
// stored one; `verified` is stored as a boolean.
// $rows: list of {organization_id, kind, name, verified}; verified is 'true' or 'false'
UNWIND $rows AS row
MERGE (o:Organization {organization_id: row.organization_id})
SET o.kind = coalesce(row.kind, o.kind),
    o.name = coalesce(row.name, o.name),
    o.verified = coalesce(row.verified = 'true', o.verified)
