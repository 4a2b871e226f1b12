// Who logs in from one device, with their first and last login and verdicts.
// @param device_id string  the device fingerprint
// @param limit integer = 100  most rows returned
// @returns type, id, first_seen, last_seen, logins, verdict, status
MATCH (d:Device {device_id: $device_id})<-[l:LOGGED_IN_FROM]-(a)
RETURN CASE WHEN a:Merchant THEN 'merchant' ELSE 'streamer' END AS type,
       coalesce(a.merchant_id, a.streamer_id) AS id, toString(l.first_seen) AS first_seen,
       toString(l.last_seen) AS last_seen, l.logins AS logins, a.verdict AS verdict,
       a.status AS status
ORDER BY type, id
LIMIT $limit
