// Forget the current members and shared identifiers of the given rings (they are
// rewritten right after, in the same transaction).
// $ring_ids: list of strings
UNWIND $ring_ids AS ring_id
MATCH (r:Ring {ring_id: ring_id})-[x:HAS_MEMBER|SHARES]->()
DELETE x
