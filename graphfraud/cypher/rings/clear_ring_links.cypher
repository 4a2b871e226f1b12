// Forget the members and shared identifiers the given rings no longer have. The current
// ones are merged right after, in the same transaction: a link that stays is never
// deleted and created again, so an investigator's concurrent read (Neo4j reads are
// read-committed, not snapshots) never finds a ring without its members.
// $rings: list of {ring_id, keep: list of the "type:id" keys of its members and shared
// identifiers}
UNWIND $rings AS row
MATCH (r:Ring {ring_id: row.ring_id})-[x:HAS_MEMBER|SHARES]->(n)
WITH x, row,
     CASE WHEN n:Merchant THEN 'merchant:' + n.merchant_id
          WHEN n:Streamer THEN 'streamer:' + n.streamer_id
          WHEN n:Device THEN 'device:' + n.device_id
          ELSE 'payment_account:' + n.account_id END AS key
WHERE NOT key IN row.keep
DELETE x
